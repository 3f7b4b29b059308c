"""Given one paid membership order, when two workers grant it at the same moment (a retried
payment notification racing the first), then the member gets one period, not two."""

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from apps.memberships.models import Period, Subscription, SubscriptionPeriod
from apps.memberships.periods import period_end
from apps.memberships.services import membership_order_create, subscription_extend
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.memberships.factories import make_plan


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_grants_of_one_order_extend_once() -> None:
    plan = make_plan()
    user = UserFactory()
    order = membership_order_create(plan=plan, buyer=user)
    # Paid without the signal, so that only the racing workers grant it.
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID, paid_amount=order.total_amount
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def grant() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                subscription_extend(order=Order.objects.get(pk=order.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads: list[Any] = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert SubscriptionPeriod.objects.filter(order=order).count() == 1
    subscription = Subscription.objects.get(user=user, plan=plan)
    assert subscription.ends_at == period_end(subscription.starts_at, Period.MONTH)
