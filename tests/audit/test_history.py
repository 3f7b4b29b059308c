"""Every change to orders, stock, payments, rules and payouts is recorded: who, when, before/after."""

from decimal import Decimal

import pghistory
import pytest
from django.test import Client
from pghistory.models import Events

from apps.audit.models import CommissionRuleEvent, OrderEvent, SKUEvent
from apps.catalog.models import SKU, StockMovement
from apps.catalog.services import sku_stock_adjust
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.distribution.factories import dist_setup, place

pytestmark = pytest.mark.django_db


def test_an_order_placed_and_paid_through_the_leader_page_records_who(client: Client) -> None:
    setup = dist_setup(price=Decimal("30.00"))
    order = place(setup.chain, phone="13700006666")
    client.force_login(setup.chain.leader)

    client.post(
        f"/leader/chains/{setup.chain.chain.pk}/entries/",
        {"action": "mark_paid", "entry": [order.chain_entry.pk]},
    )

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    events = list(OrderEvent.objects.filter(pgh_obj_id=order.pk).order_by("pgh_id"))
    assert next(event.pgh_label for event in events) == "insert"
    update = next(e for e in events if e.pgh_label == "update" and e.status == "paid")
    assert update.pgh_context.metadata["user"] == setup.chain.leader.pk
    assert update.pgh_context.metadata["url"].startswith("/leader/chains/")
    diff = Events.objects.tracks(Order(pk=order.pk)).filter(pgh_label="update").last().pgh_diff
    assert diff["status"] == ["pending_payment", "paid"]


def test_price_and_rule_changes_are_recorded_with_before_and_after() -> None:
    setup = dist_setup(stock=10, caps=(5,))
    sku = setup.chain.skus[0]
    actor = UserFactory()
    with pghistory.context(user=actor.pk):
        SKU.objects.filter(pk=sku.pk).update(price=sku.price + Decimal("5.00"))
        setup.rule.level1_value = Decimal("12")
        setup.rule.save(update_fields=["level1_value", "updated_at"])

    before, after = SKUEvent.objects.filter(pgh_obj_id=sku.pk).order_by("-pgh_id")[:2][::-1]
    assert (before.price, after.price) == (sku.price, sku.price + Decimal("5.00"))
    assert after.pgh_context.metadata["user"] == actor.pk
    rule = CommissionRuleEvent.objects.filter(pgh_obj_id=setup.rule.pk).order_by("pgh_id").last()
    assert rule.level1_value == Decimal("12")
    assert rule.pgh_context.metadata["user"] == actor.pk


def test_a_stock_change_is_traced_by_its_movement_not_by_a_second_history_row() -> None:
    setup = dist_setup(stock=10, caps=(5,))
    sku = setup.chain.skus[0]
    actor = UserFactory()
    events_before = SKUEvent.objects.filter(pgh_obj_id=sku.pk).count()

    sku_stock_adjust(sku=sku, delta=5, reason="restock", actor=actor)

    assert SKUEvent.objects.filter(pgh_obj_id=sku.pk).count() == events_before
    movement = StockMovement.objects.filter(sku=sku).order_by("pk").last()
    assert movement is not None
    assert (movement.delta, movement.stock_after, movement.actor_id) == (5, 15, actor.pk)


def test_admin_shows_the_history_of_an_order(client: Client) -> None:
    setup = dist_setup()
    order = place(setup.chain, phone="13700007777")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    change = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    history = client.get(f"/admin/pghistory/events/?obj=orders.Order:{order.pk}&method=references")

    assert f"obj=orders.Order:{order.pk}" in change
    assert history.status_code == 200
    body = history.content.decode()
    assert "insert" in body and f"#{order.pk}" in body


def test_changes_made_by_a_celery_task_name_the_task() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.orders.tasks import cancel_unpaid_orders

    setup = dist_setup()
    order = place(setup.chain, phone="13700008888")
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))

    cancel_unpaid_orders.delay()

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    event = OrderEvent.objects.filter(pgh_obj_id=order.pk, status="cancelled").get()
    assert event.pgh_context.metadata["task"] == "orders.cancel_unpaid"
