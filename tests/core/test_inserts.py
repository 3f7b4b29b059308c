"""apps.core.inserts: a row and its children in one statement, with the values the ORM would
have written, and a repeated unique key inserting nothing at all."""

from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.analytics.models import Event
from apps.core.inserts import ChildInsert, ParentInsert, insert_with_children
from apps.orders.models import Order, OrderLine, OrderLog
from tests.chains.factories import open_chain

pytestmark = pytest.mark.django_db


def _order(token: str | None = "tok-1") -> Order:
    setup = open_chain()
    return Order(
        community=setup.community,
        contact_name="<张三> & 'co'",
        contact_phone="13800138000",
        submission_token=token,
        subtotal_amount=Decimal("19.80"),
        total_amount=Decimal("19.80"),
    )


def _line(order: Order) -> OrderLine:
    sku = open_chain().skus[0]
    return OrderLine(
        sku=sku, title="苹果", unit_price=Decimal("9.90"), quantity=2, line_total=Decimal("19.80")
    )


def test_the_parent_and_children_are_written_by_one_statement_with_the_orm_values() -> None:
    order = _order()
    line = _line(order)
    event = Event(
        name="order_placed",
        occurred_at=timezone.now(),
        subject_type="orders.order",
        properties={"total": "19.80"},
    )

    with CaptureQueriesContext(connection) as queries:
        order_id = insert_with_children(
            ParentInsert(order, on_conflict="submission_token"),
            [ChildInsert(line, link="order"), ChildInsert(event, link="subject_id")],
        )

    assert len(queries.captured_queries) == 1
    assert order_id is not None and order.pk == order_id
    assert not order._state.adding
    saved = Order.objects.get(pk=order_id)
    # Every field as the ORM reads it back: defaults (status, paid amount) included.
    assert model_to_dict(saved) == model_to_dict(order)
    assert saved.status == Order.Status.PENDING_PAYMENT and saved.paid_amount == 0
    saved_line = OrderLine.objects.get(order_id=order_id)
    assert (saved_line.sku_id, saved_line.quantity, saved_line.line_total) == (
        line.sku_id,
        2,
        Decimal("19.80"),
    )
    saved_event = Event.objects.get(subject_type="orders.order", subject_id=order_id)
    assert saved_event.properties == {"total": "19.80"}


def test_auto_now_add_and_nullable_links_are_filled_like_the_orm_does() -> None:
    order = _order()
    log = OrderLog(from_status="", to_status="pending_payment", actor=None, note="下单")

    insert_with_children(ParentInsert(order), [ChildInsert(log, link="order")])

    saved = OrderLog.objects.get(order_id=order.pk)
    assert saved.created_at is not None and saved.actor_id is None
    assert log.order_id == order.pk


def test_a_repeated_unique_key_inserts_neither_parent_nor_children() -> None:
    first = _order(token="same")
    insert_with_children(ParentInsert(first, on_conflict="submission_token"), [])
    again = _order(token="same")
    line = _line(again)

    result = insert_with_children(
        ParentInsert(again, on_conflict="submission_token"), [ChildInsert(line, link="order")]
    )

    assert result is None
    assert again.pk is None
    assert Order.objects.filter(submission_token="same").count() == 1
    assert not OrderLine.objects.exists()


def test_a_link_that_is_not_a_column_is_refused() -> None:
    order = _order()
    with pytest.raises(TypeError):
        insert_with_children(ParentInsert(order), [ChildInsert(_line(order), link="refund_lines")])
    assert not Order.objects.exists()
