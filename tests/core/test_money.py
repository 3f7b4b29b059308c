from decimal import Decimal

import pytest

from apps.core.money import from_fen, money, to_fen, yuan


def test_money_rounds_half_up_to_the_fen() -> None:
    assert money(Decimal("1.005")) == Decimal("1.01")
    assert money(Decimal("1.004")) == Decimal("1.00")
    assert money("2") == Decimal("2.00")


def test_money_refuses_float_and_garbage() -> None:
    with pytest.raises(TypeError):
        money(1.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        money("abc")


def test_fen_round_trip_and_display() -> None:
    assert to_fen(Decimal("39.90")) == 3990
    assert from_fen(3990) == Decimal("39.90")
    assert yuan(Decimal("1234.5")) == "¥1,234.50"
