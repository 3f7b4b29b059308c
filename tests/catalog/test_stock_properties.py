"""Property tests of stock_apply: stock never goes below zero, a refused change changes nothing,
and the movements always add up to the stock."""

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.catalog.models import SKU, StockMovement
from apps.catalog.services import StockChange, stock_apply
from apps.core.errors import Conflict
from tests.catalog.factories import SKUFactory

pytestmark = pytest.mark.django_db

# Each step changes one or more of three SKUs at once, by up to 30 either way.
steps = st.lists(
    st.dictionaries(
        keys=st.integers(0, 2),
        values=st.integers(-30, 30).filter(bool),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=25,
)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(initial=st.lists(st.integers(0, 40), min_size=3, max_size=3), plan=steps)
def test_stock_never_goes_negative_and_movements_sum_to_it(
    initial: list[int], plan: list[dict[int, int]]
) -> None:
    with transaction.atomic():
        _run(initial, plan)
        transaction.set_rollback(True)


def _run(initial: list[int], plan: list[dict[int, int]]) -> None:
    skus = [SKUFactory(stock=0) for _ in initial]
    for sku, amount in zip(skus, initial, strict=True):
        if amount:
            stock_apply(changes=[StockChange(sku.pk, amount)], reason="restock", actor=None)
    expected = list(initial)
    for step in plan:
        changes = [StockChange(skus[index].pk, delta) for index, delta in step.items()]
        would_go_negative = any(expected[index] + delta < 0 for index, delta in step.items())
        try:
            movements = stock_apply(changes=changes, reason="order", actor=None)
        except Conflict as error:
            assert would_go_negative, step
            assert error.code == "out_of_stock"
        else:
            assert not would_go_negative, step
            assert len(movements) == len(changes)
            for index, delta in step.items():
                expected[index] += delta
        # All or nothing: the model and the database agree after every step.
        stocks = dict(SKU.objects.filter(pk__in=[s.pk for s in skus]).values_list("pk", "stock"))
        assert [stocks[s.pk] for s in skus] == expected
        assert min(expected) >= 0
    for sku, stock in zip(skus, expected, strict=True):
        rows: Any = StockMovement.objects.filter(sku=sku)
        assert (rows.aggregate(total=Sum("delta"))["total"] or 0) == stock
        last = rows.order_by("-pk").first()
        assert (last.stock_after if last else 0) == stock
