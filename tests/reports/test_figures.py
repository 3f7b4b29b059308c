"""Repurchase, retention, churn tied to purchases, average order value, revenue per member."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.chains.services import chain_order_place
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from apps.reports import figures
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import MembershipFactory

pytestmark = pytest.mark.django_db

_tokens = iter(range(10_000))


def paid_order(setup: ChainSetup, phone: str, *, days_ago: int = 0, qty: int = 1) -> Order:
    entry = chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="买家",
        contact_phone=phone,
        quantities={setup.items[0].pk: qty},
        pickup_point=setup.pickup_points[0],
        submission_token=f"fig-{next(_tokens)}",
    )
    order = order_mark_paid(order=entry.order, actor=setup.leader)
    if days_ago:
        when = timezone.now() - dt.timedelta(days=days_ago)
        Order.objects.filter(pk=order.pk).update(paid_at=when, created_at=when)
        order.refresh_from_db()
    return order


def test_repurchase_counts_buyers_with_two_orders_in_30_and_90_days() -> None:
    setup = open_chain(price=Decimal("50.00"))
    paid_order(setup, "13800000001")
    paid_order(setup, "13800000001", days_ago=10)  # twice within 30 days
    paid_order(setup, "13800000002")
    paid_order(setup, "13800000002", days_ago=60)  # twice within 90, once within 30
    paid_order(setup, "13800000003")
    # An unpaid order is not a purchase.
    chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="未付",
        contact_phone="13800000003",
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token="unpaid-1",
    )

    thirty, ninety = figures.repurchase_rates(
        community_id=setup.community.pk, end=timezone.localdate()
    )
    assert (thirty.buyers, thirty.repeat_buyers, thirty.rate) == (3, 1, Decimal("33.3"))
    assert (ninety.buyers, ninety.repeat_buyers, ninety.rate) == (3, 2, Decimal("66.7"))


def test_average_order_value_per_chain_and_revenue_per_member() -> None:
    setup = open_chain(price=Decimal("30.00"))
    paid_order(setup, "13800000001", qty=1)
    paid_order(setup, "13800000002", qty=3)
    today = timezone.localdate()
    (value,) = figures.average_order_value_by_chain(
        chain_ids=[setup.chain.pk], date_from=today, date_to=today
    )
    assert (value.paid_orders, value.revenue, value.average_order_value) == (
        2,
        Decimal("120.00"),
        Decimal("60.00"),
    )
    for _ in range(3):
        MembershipFactory(community=setup.community)
    members = setup.community.memberships.filter(left_at=None).count()
    per = figures.revenue_per_member(
        community_id=setup.community.pk, date_from=today, date_to=today
    )
    assert per.revenue == Decimal("120.00") and per.members == members
    assert per.per_member == (Decimal("120.00") / members).quantize(Decimal("0.01"))


def test_churn_after_purchase_counts_leavers_who_had_bought() -> None:
    setup = open_chain()
    now = timezone.now()
    buyer = MembershipFactory(community=setup.community, user__phone="13800000009")
    quiet = MembershipFactory(community=setup.community)
    paid_order(setup, "13800000009", days_ago=6)
    buyer.left_at = now - dt.timedelta(days=2)
    buyer.save(update_fields=["left_at"])
    quiet.left_at = now - dt.timedelta(days=1)
    quiet.save(update_fields=["left_at"])

    today = timezone.localdate()
    churn = figures.churn_after_purchase(
        community_id=setup.community.pk, date_from=today - dt.timedelta(days=7), date_to=today
    )
    assert (churn.left, churn.left_after_buying) == (2, 1)
    assert churn.median_days_after_last_order == pytest.approx(4.0, abs=0.1)


def test_retention_by_join_week_counts_who_stayed_after_each_week() -> None:
    setup = open_chain()
    now = timezone.now()
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    cohort_start = timezone.make_aware(
        dt.datetime.combine(monday - dt.timedelta(weeks=3), dt.time(10))
    )
    for left_after_days in (None, None, 9, 2):
        MembershipFactory(
            community=setup.community,
            joined_at=cohort_start,
            left_at=cohort_start + dt.timedelta(days=left_after_days) if left_after_days else None,
        )
    cohorts = figures.retention_by_join_week(community_id=setup.community.pk, weeks=4, now=now)
    first = cohorts[0]
    assert first.week == monday - dt.timedelta(weeks=3) and first.size == 4
    # After 1 week 3 of 4 stayed (one left on day 2), after 2 weeks 2 of 4; week 4 not over.
    assert first.retained[:3] == [Decimal("75.0"), Decimal("50.0"), Decimal("50.0")]
    assert first.retained[3] is None
