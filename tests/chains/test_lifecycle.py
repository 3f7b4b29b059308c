"""Creating, opening, closing and cancelling chains; the group-size threshold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.chains.models import Chain
from apps.chains.services import (
    ChainDetails,
    ItemSpec,
    chain_cancel,
    chain_close,
    chain_create,
    chain_order_place,
    chain_settle_threshold,
    chains_close_due,
)
from apps.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory
from tests.catalog.factories import SKUFactory
from tests.chains.factories import ChainSetup, open_chain

pytestmark = pytest.mark.django_db


def details(**overrides: object) -> ChainDetails:
    values: dict[str, object] = {
        "title": "接龙",
        "description": "",
        "closes_at": timezone.now() + timedelta(days=1),
    }
    values.update(overrides)
    return ChainDetails(**values)  # type: ignore[arg-type]


def place(setup: ChainSetup, n: int) -> Order:
    return chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name=f"买家{n}",
        contact_phone=f"1360000{n:04d}",
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token=f"t{n}",
    ).order


def test_create_validates_deadline_prices_caps_and_ownership() -> None:
    setup = open_chain(caps=(5,), stock=10)
    sku = setup.skus[0]
    good = ItemSpec(sku=sku, group_price=Decimal("9.90"), stock_cap=5)
    cases = [
        (details(closes_at=timezone.now() - timedelta(minutes=1)), [good], InvalidInput, "未来"),
        (
            details(),
            [ItemSpec(sku=sku, group_price=Decimal("0"), stock_cap=5)],
            InvalidInput,
            "大于0",
        ),
        (
            details(),
            [ItemSpec(sku=sku, group_price=Decimal("1"), stock_cap=11)],
            InvalidInput,
            "超过库存",
        ),
        (
            details(),
            [ItemSpec(sku=SKUFactory(), group_price=Decimal("1"), stock_cap=1)],
            PermissionDenied,
            "不能销售",
        ),
        (details(), [], InvalidInput, "至少"),
        (details(title=" "), [good], InvalidInput, "标题"),
    ]
    before = Chain.objects.count()
    for chain_details, items, error, message in cases:
        with pytest.raises(error, match=message):
            chain_create(
                leader=setup.leader,
                community=setup.community,
                details=chain_details,
                items=items,
                pickup_points=setup.pickup_points,
            )
    assert Chain.objects.count() == before


def test_only_a_manager_of_the_community_can_open_a_chain_there() -> None:
    setup = open_chain()
    stranger = UserFactory()

    with pytest.raises(PermissionDenied):
        chain_create(
            leader=stranger,
            community=setup.community,
            details=details(),
            items=[ItemSpec(sku=setup.skus[0], group_price=Decimal("1"), stock_cap=1)],
            pickup_points=setup.pickup_points,
        )
    with pytest.raises(PermissionDenied):
        chain_close(chain=setup.chain, actor=stranger)


def test_a_chain_below_its_minimum_refunds_the_paid_and_cancels_the_unpaid_once() -> None:
    setup = open_chain(caps=(50,), stock=100, min_group_size=5)
    paid = [place(setup, n) for n in range(3)]
    unpaid = place(setup, 3)
    for order in paid:
        order_mark_paid(order=order, actor=setup.leader)

    chain_close(chain=setup.chain, actor=setup.leader)

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert all(statuses[o.pk] == Order.Status.REFUNDED for o in paid)
    assert statuses[unpaid.pk] == Order.Status.CANCELLED
    setup.skus[0].refresh_from_db()
    assert setup.skus[0].stock == 100  # everything went back
    setup.chain.refresh_from_db()
    assert setup.chain.threshold_settled_at is not None
    assert chain_settle_threshold(chain=setup.chain, actor=None) is False  # once only


def test_a_chain_that_reaches_its_minimum_keeps_its_orders() -> None:
    setup = open_chain(min_group_size=2)
    orders = [place(setup, n) for n in range(2)]
    for order in orders:
        order_mark_paid(order=order, actor=setup.leader)

    chain_close(chain=setup.chain, actor=setup.leader)

    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PAID}


def test_the_beat_task_closes_chains_past_their_deadline() -> None:
    setup = open_chain()
    Chain.objects.filter(pk=setup.chain.pk).update(closes_at=timezone.now() - timedelta(seconds=1))

    assert chains_close_due() == 1
    setup.chain.refresh_from_db()
    assert setup.chain.status == Chain.Status.CLOSED
    assert chains_close_due() == 0


def test_cancelling_a_chain_unwinds_every_order_and_cannot_happen_twice() -> None:
    setup = open_chain()
    paid = place(setup, 1)
    order_mark_paid(order=paid, actor=setup.leader)
    place(setup, 2)

    chain_cancel(chain=setup.chain, actor=setup.leader)

    assert set(Order.objects.values_list("status", flat=True)) == {
        Order.Status.REFUNDED,
        Order.Status.CANCELLED,
    }
    with pytest.raises(IllegalTransition):
        chain_cancel(chain=setup.chain, actor=setup.leader)
