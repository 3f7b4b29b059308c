"""The offline provider: the leader confirms a cash or transfer payment."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.payments.models import Payment
from tests.payments.conftest import place_order

pytestmark = pytest.mark.django_db


def test_the_leaders_mark_paid_records_an_offline_payment(client: Client) -> None:
    order = place_order(quantity=2)
    chain = order.chain_entry.chain
    client.force_login(chain.leader)

    client.post(
        f"/leader/chains/{chain.pk}/entries/",
        {"action": "mark_paid", "entry": [order.chain_entry.pk]},
    )

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (order.status, order.payment_method) == (Order.Status.PAID, "cash")
    assert (payment.provider, payment.status, payment.amount, payment.actor) == (
        "offline",
        "succeeded",
        Decimal("59.80"),
        chain.leader,
    )


def test_the_api_mark_paid_records_an_offline_payment_and_refuses_twice() -> None:
    order = place_order()
    api = APIClient()
    api.force_authenticate(order.chain_entry.chain.leader)
    url = f"/api/v1/orders/{order.pk}/mark-paid/"

    first = api.post(url, {"method": "transfer"}, format="json")
    second = api.post(url, {"method": "transfer"}, format="json")

    assert first.status_code == 200 and first.json()["status"] == "paid"
    assert second.status_code == 409
    assert Payment.objects.filter(order=order, provider="offline").count() == 1


def test_a_cash_paid_order_is_refunded_in_cash(client: Client) -> None:
    order = place_order(quantity=2)
    chain = order.chain_entry.chain
    client.force_login(chain.leader)
    client.post(
        f"/leader/chains/{chain.pk}/entries/",
        {"action": "mark_paid", "entry": [order.chain_entry.pk]},
    )
    line = order.lines.get()

    response = client.post(
        f"/leader/chains/{chain.pk}/entries/{order.chain_entry.pk}/refund/",
        {"reason": "不要了", f"line_{line.pk}": 2},
        follow=True,
    )

    assert "请把钱退给" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not Payment.objects.get(order=order).refunds.exists()
