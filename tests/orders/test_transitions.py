"""The order state machine: one service per transition, illegal ones refused, money and stock kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.analytics.models import Event
from apps.catalog.models import SKU, StockMovement
from apps.chains.models import ChainItem
from apps.chains.services import chain_order_place
from apps.core.errors import IllegalTransition, InvalidInput
from apps.orders import events
from apps.orders.models import Order, OrderLog
from apps.orders.services import (
    order_cancel,
    order_complete,
    order_mark_paid,
    order_mark_ready,
    order_refund,
    orders_cancel_unpaid,
)
from tests.chains.factories import ChainSetup, open_chain

pytestmark = pytest.mark.django_db


def an_order(setup: ChainSetup, *, quantities: tuple[int, ...] = (2,), token: str = "t") -> Order:
    entry = chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="李四",
        contact_phone="13700137000",
        quantities={item.pk: q for item, q in zip(setup.items, quantities, strict=False)},
        pickup_point=setup.pickup_points[0],
        submission_token=token,
    )
    return entry.order


def stock_of(setup: ChainSetup, index: int = 0) -> tuple[int, int]:
    return (
        SKU.objects.get(pk=setup.skus[index].pk).stock,
        ChainItem.objects.get(pk=setup.items[index].pk).remaining,
    )


def test_the_happy_path_paid_ready_completed_leaves_a_log_and_events() -> None:
    setup = open_chain(price=Decimal("30.00"))
    order = an_order(setup)
    received: list[str] = []

    def on_paid(**kwargs: object) -> None:
        received.append("paid")

    events.order_paid.connect(on_paid)
    try:
        order_mark_paid(order=order, actor=setup.leader)
    finally:
        events.order_paid.disconnect(on_paid)
    order_mark_ready(order=order, actor=setup.leader)
    order_complete(order=order, actor=setup.leader)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.paid_amount == Decimal("60.00")
    assert received == ["paid"]
    assert list(OrderLog.objects.filter(order=order).values_list("to_status", flat=True)) == [
        "pending_payment",
        "paid",
        "ready_for_pickup",
        "completed",
    ]
    assert set(Event.objects.values_list("name", flat=True)) >= {
        "order_placed",
        "order_paid",
        "order_completed",
    }


@pytest.mark.parametrize(
    ("setup_steps", "transition"),
    [
        ([], order_mark_ready),
        ([], order_complete),
        ([order_mark_paid], order_mark_paid),
        ([order_mark_paid], order_cancel),
        ([order_cancel], order_mark_paid),
        ([order_mark_paid, order_complete], order_mark_ready),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(setup_steps, transition) -> None:  # type: ignore[no-untyped-def]
    setup = open_chain()
    order = an_order(setup)
    for step in setup_steps:
        step(order=order, actor=setup.leader)
    order.refresh_from_db()
    before = (order.status, order.paid_amount, stock_of(setup))

    with pytest.raises(IllegalTransition):
        transition(order=order, actor=setup.leader)

    order.refresh_from_db()
    assert (order.status, order.paid_amount, stock_of(setup)) == before


def test_cancel_gives_stock_back_to_the_sku_and_the_chain_cap() -> None:
    setup = open_chain(caps=(50,), stock=100)
    order = an_order(setup, quantities=(3,))
    assert stock_of(setup) == (97, 47)

    order_cancel(order=order, actor=setup.leader, reason="买家不要了")

    assert stock_of(setup) == (100, 50)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert StockMovement.objects.filter(reason=StockMovement.Reason.RELEASE, delta=3).exists()


def test_partial_refund_with_restock_then_the_rest() -> None:
    setup = open_chain(caps=(50, 50), stock=100, price=Decimal("25.00"))
    order = an_order(setup, quantities=(2, 1))
    order_mark_paid(order=order, actor=setup.leader)
    first_line = order.lines.get(sku=setup.skus[0])

    refund = order_refund(
        order=order,
        actor=setup.leader,
        reason="一个坏果",
        quantities={first_line.pk: 1},
        restock=True,
    )

    order.refresh_from_db()
    assert refund.amount == Decimal("25.00")
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert order.refunded_amount == Decimal("25.00")
    assert stock_of(setup, 0) == (99, 49)

    order_refund(order=order, actor=setup.leader, reason="全部退掉", restock=False)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.refunded_amount == order.paid_amount == Decimal("75.00")
    assert stock_of(setup, 0) == (99, 49)  # not restocked the second time


def test_a_refund_never_exceeds_what_was_paid() -> None:
    setup = open_chain(price=Decimal("10.00"))
    order = an_order(setup, quantities=(2,))
    order_mark_paid(order=order, actor=setup.leader)
    line = order.lines.get()

    with pytest.raises(InvalidInput, match="最多可退 2 件"):
        order_refund(order=order, actor=setup.leader, reason="x", quantities={line.pk: 3})
    order_refund(order=order, actor=setup.leader, reason="x")
    with pytest.raises(IllegalTransition):
        order_refund(order=order, actor=setup.leader, reason="again")

    order.refresh_from_db()
    assert order.refunded_amount == Decimal("20.00")


def test_refund_of_an_unpaid_order_or_a_foreign_line_is_refused() -> None:
    setup = open_chain()
    order = an_order(setup, token="a")
    other = an_order(setup, token="b")

    with pytest.raises(IllegalTransition):
        order_refund(order=order, actor=setup.leader, reason="x")
    order_mark_paid(order=order, actor=setup.leader)
    with pytest.raises(InvalidInput, match="不属于"):
        order_refund(
            order=order,
            actor=setup.leader,
            reason="x",
            quantities={other.lines.get().pk: 1},
        )
    with pytest.raises(InvalidInput, match="原因"):
        order_refund(order=order, actor=setup.leader, reason="  ")
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_unpaid_orders_past_the_timeout_are_cancelled_and_release_stock(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ORDERS_UNPAID_TIMEOUT_MINUTES = 30
    setup = open_chain(caps=(50,), stock=100)
    stale = an_order(setup, token="old")
    fresh = an_order(setup, token="new")
    paid = an_order(setup, token="paid")
    order_mark_paid(order=paid, actor=setup.leader)
    Order.objects.filter(pk__in=[stale.pk, paid.pk]).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )

    assert orders_cancel_unpaid() == 1

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[stale.pk] == Order.Status.CANCELLED
    assert statuses[fresh.pk] == Order.Status.PENDING_PAYMENT
    assert statuses[paid.pk] == Order.Status.PAID
    assert stock_of(setup) == (96, 46)
    assert orders_cancel_unpaid() == 0  # a second run changes nothing
