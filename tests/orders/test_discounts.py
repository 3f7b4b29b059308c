"""A discount comes off the order's total; refunds give back what was actually paid."""

from decimal import Decimal

import pytest

from apps.core.errors import InvalidInput
from apps.orders.models import Order
from apps.orders.services import LineRequest, order_create, order_mark_paid, order_refund
from tests.catalog.factories import SKUFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def discounted_order(discount: str) -> Order:
    community = CommunityFactory()
    apples, pears = SKUFactory(stock=10), SKUFactory(stock=10)
    order = order_create(
        community=community,
        buyer=None,
        contact_name="张三",
        contact_phone="13800000001",
        lines=[
            LineRequest(sku=apples, title="苹果", unit_price=Decimal("30.00"), quantity=2),
            LineRequest(sku=pears, title="梨", unit_price=Decimal("10.00"), quantity=1),
        ],
        discount=Decimal(discount),
        coupon_code="WELCOME10",
    )
    return order_mark_paid(order=order, actor=None)


def test_the_discount_comes_off_the_total_and_never_below_zero() -> None:
    order = discounted_order("10.00")
    assert (order.subtotal_amount, order.discount_amount, order.total_amount) == (
        Decimal("70.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    assert discounted_order("500").total_amount == Decimal("0.00")


def test_a_negative_discount_is_refused() -> None:
    with pytest.raises(InvalidInput):
        discounted_order("-1")


def test_partial_refunds_return_the_paid_share_and_the_last_one_the_exact_rest() -> None:
    order = discounted_order("10.00")  # paid 60.00 for 70.00 of goods
    apples = order.lines.get(title="苹果")

    first = order_refund(order=order, actor=None, reason="坏果", quantities={apples.pk: 1})
    rest = order_refund(order=order, actor=None, reason="不要了")

    assert first.amount == Decimal("25.71")  # 30.00 × 60/70
    assert first.amount + rest.amount == Decimal("60.00")
    order.refresh_from_db()
    assert order.refunded_amount == order.paid_amount
    assert order.status == Order.Status.REFUNDED
