"""Random sequences of orders, partial refunds, completions and payouts against the ledger."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.core.errors import Conflict
from apps.core.money import money
from apps.distribution import selectors, services
from apps.distribution.models import CommissionEntry, CommissionRule, PayoutLine
from apps.orders.models import Order
from apps.orders.services import order_complete, order_refund
from tests.accounts.factories import staff_user
from tests.distribution.factories import dist_setup, paid

pytestmark = pytest.mark.django_db

operations = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(1, 5)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 3)),
        st.tuples(st.just("complete"), st.integers(0, 20), st.sampled_from([0, 3, 30])),
        st.tuples(st.just("payout")),
    ),
    min_size=1,
    max_size=14,
)
percents = st.decimals(min_value=0, max_value=40, places=2)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("199.99"), places=2)


@hsettings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, level1=percents, level2=percents, price=prices, leader=percents)
def test_ledger_equals_recomputation_and_balances_stay_sane(
    settings: Any,
    ops: list[tuple[Any, ...]],
    level1: Decimal,
    level2: Decimal,
    price: Decimal,
    leader: Decimal,
) -> None:
    settings.DISTRIBUTION_MIN_PAYOUT = "0.01"
    with transaction.atomic():
        _run(ops, level1=level1, level2=level2, price=price, leader=leader)
        transaction.set_rollback(True)


def _run(
    ops: list[tuple[Any, ...]], *, level1: Decimal, level2: Decimal, price: Decimal, leader: Decimal
) -> None:
    setup = dist_setup(price=price, level1=str(level1), level2=str(level2))
    CommissionRule.objects.create(name="团长", kind="leader", scope="default", level1_value=leader)
    finance = staff_user("finance")
    people = [setup.distributor.user, setup.parent.user, setup.chain.leader]
    orders: list[Order] = []
    paid_out: dict[int, Decimal] = {}
    for op in ops:
        if op[0] == "order":
            orders.append(paid(setup.chain, code=setup.distributor.code, quantity=op[1]))
        elif op[0] == "refund" and orders:
            order = Order.objects.get(pk=orders[op[1] % len(orders)].pk)
            line = order.lines.get()
            quantity = min(op[2], line.refundable_quantity)
            if quantity and order.status != Order.Status.REFUNDED:
                order_refund(order=order, actor=None, reason="退", quantities={line.pk: quantity})
        elif op[0] == "complete" and orders:
            order = Order.objects.get(pk=orders[op[1] % len(orders)].pk)
            if order.status in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
                order_complete(order=order, actor=None)
                Order.objects.filter(pk=order.pk).update(
                    completed_at=timezone.now() - timedelta(days=op[2])
                )
        elif op[0] == "payout":
            available = {user.pk: selectors.balance_of(user).available for user in people}
            try:
                batch = services.payout_batch_create(
                    period_start=timezone.localdate(),
                    period_end=timezone.localdate(),
                    actor=finance,
                )
            except Conflict:
                assert all(amount < Decimal("0.01") for amount in available.values())
                continue
            for line in batch.lines.all():
                assert line.amount == available[line.beneficiary_id]  # exactly what was available
                paid_out[line.beneficiary_id] = (
                    paid_out.get(line.beneficiary_id, Decimal(0)) + line.amount
                )
            services.payout_batch_review(batch=batch, actor=finance)
            services.payout_batch_mark_paid(batch=batch, actor=finance, reference="R")
            for user in people:
                assert selectors.balance_of(user).available <= 0 or user.pk not in available
        for user in people:
            balance = selectors.balance_of(user)
            assert balance.pending >= 0
            assert balance.frozen >= 0

    # The ledger equals its recomputation from the snapshotted rules, to the fen.
    assert services.commission_reconcile() == []
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        split = CommissionEntry.objects.filter(order=order, kind="accrual")
        for entry in split:
            parts = entry.rule_snapshot["split"]
            total = sum(Decimal(parts[k]) for k in ("level1", "level2", "leader", "platform"))
            assert total == order.paid_amount
        net = CommissionEntry.objects.filter(order=order).aggregate(t=Sum("amount"))["t"] or 0
        assert net >= 0
        if order.status == Order.Status.REFUNDED:
            assert net == 0
        # Independent of the ledger code: level 1 on a one-line order is its rate of what was
        # kept, within a fen per refund of rounding.
        kept = order.paid_amount - order.refunded_amount
        level1_net = CommissionEntry.objects.filter(order=order, level="level1").aggregate(
            t=Sum("amount")
        )["t"] or Decimal(0)
        assert abs(level1_net - money(kept * level1 / 100)) <= Decimal("0.01") * (
            order.refunds.count() + 1
        )
    # Nothing paid twice: each payout row is one batch line, each line paid once.
    for user in people:
        payouts = -(
            CommissionEntry.objects.filter(beneficiary=user, kind="payout").aggregate(
                t=Sum("amount")
            )["t"]
            or Decimal(0)
        )
        lines = PayoutLine.objects.filter(beneficiary=user).aggregate(t=Sum("amount"))[
            "t"
        ] or Decimal(0)
        assert payouts == lines == paid_out.get(user.pk, Decimal(0))
