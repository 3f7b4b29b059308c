"""order_create writes the order, its lines, its log row and its event together, and a
submission token seen before writes nothing."""

from decimal import Decimal

import pytest

from apps.analytics.models import Event
from apps.orders.models import Order, OrderLine, OrderLog
from apps.orders.services import LineRequest, RepeatedSubmission, order_create
from tests.catalog.factories import SKUFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def _create(token: str | None, *, stock: int = 10) -> Order:
    sku = SKUFactory(stock=stock)
    return order_create(
        community=CommunityFactory(),
        buyer=None,
        contact_name="张三",
        contact_phone="13800000001",
        lines=[
            LineRequest(sku=sku, title="苹果", unit_price=Decimal("9.90"), quantity=3),
            LineRequest(
                sku=SKUFactory(stock=stock), title="梨", unit_price=Decimal("5"), quantity=1
            ),
        ],
        submission_token=token,
    )


def test_the_order_its_lines_log_and_event_are_written_and_stock_is_taken() -> None:
    order = _create("first")

    assert order.total_amount == Decimal("34.70")
    assert sorted(OrderLine.objects.filter(order=order).values_list("title", "line_total")) == [
        ("梨", Decimal("5.00")),
        ("苹果", Decimal("29.70")),
    ]
    assert list(OrderLog.objects.filter(order=order).values_list("to_status", "note")) == [
        ("pending_payment", "下单")
    ]
    event = Event.objects.get(name="order_placed", subject_id=order.pk)
    assert (event.subject_type, event.distinct_id) == ("orders.order", "phone:13800000001")
    assert event.properties == {"total": "34.70"}
    assert sorted(line.sku.stock for line in order.lines.select_related("sku")) == [7, 9]


def test_a_repeated_submission_token_writes_nothing_and_names_the_first_order() -> None:
    first = _create("same")

    with pytest.raises(RepeatedSubmission) as repeated:
        _create("same")

    assert repeated.value.order_id == first.pk
    assert repeated.value.code == "token_used"
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2
    assert Event.objects.filter(name="order_placed").count() == 1


def test_orders_without_a_token_never_collide() -> None:
    _create(None)
    _create(None)
    assert Order.objects.count() == 2
