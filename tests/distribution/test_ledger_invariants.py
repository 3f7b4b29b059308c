"""Property tests of the commission ledger's own invariants, for any prices, rates and refunds:
a balance is the sum of its rows, reversals never exceed what was accrued, and the ledger
matches its recomputation (test_properties.py drives payouts and completions as well)."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.distribution import selectors, services
from apps.distribution.models import CommissionEntry
from apps.orders.models import Order
from apps.orders.services import order_refund
from tests.distribution.factories import dist_setup, paid

pytestmark = pytest.mark.django_db

Kind = CommissionEntry.Kind


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("199.99"), places=2),
    level1=st.decimals(min_value=0, max_value=50, places=2),
    level2=st.decimals(min_value=0, max_value=30, places=2),
    quantities=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    refunds=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6)), max_size=6),
)
def test_balances_are_sums_and_reversals_stay_within_accruals(
    price: Decimal,
    level1: Decimal,
    level2: Decimal,
    quantities: list[int],
    refunds: list[tuple[int, int]],
) -> None:
    with transaction.atomic():
        _run(price, level1, level2, quantities, refunds)
        transaction.set_rollback(True)


def _run(
    price: Decimal,
    level1: Decimal,
    level2: Decimal,
    quantities: list[int],
    refunds: list[tuple[int, int]],
) -> None:
    setup = dist_setup(price=price, level1=str(level1), level2=str(level2))
    orders = [paid(setup.chain, code=setup.distributor.code, quantity=q) for q in quantities]
    for which, quantity in refunds:
        order = Order.objects.get(pk=orders[which % len(orders)].pk)
        line = order.lines.get()
        take = min(quantity, line.refundable_quantity)
        if take:
            order_refund(order=order, actor=None, reason="退", quantities={line.pk: take})

    for user in (setup.distributor.user, setup.parent.user):
        rows: Any = CommissionEntry.objects.filter(beneficiary=user)
        assert selectors.balance_of(user).total == (
            rows.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")
        )
    for order in orders:
        for level in ("level1", "level2"):
            rows = CommissionEntry.objects.filter(order=order, level=level)
            accrued = rows.filter(kind=Kind.ACCRUAL).aggregate(t=Sum("amount"))["t"] or 0
            reversed_ = rows.filter(kind=Kind.REVERSAL).aggregate(t=Sum("amount"))["t"] or 0
            assert accrued >= 0 and reversed_ <= 0
            assert -reversed_ <= accrued
            # each row is money: two places, never a fraction of a fen
            assert all(r.as_tuple().exponent == -2 for r in rows.values_list("amount", flat=True))
    assert services.commission_reconcile() == []
