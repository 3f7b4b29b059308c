"""Property tests of apps/core/money.py: half-up rounding to the fen, whatever the amount."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.core.money import CENT, from_fen, money, to_fen, yuan

amounts = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)
fen = st.integers(min_value=-(10**10), max_value=10**10)


@given(amounts)
def test_money_has_two_places_and_is_within_half_a_fen(value: Decimal) -> None:
    rounded = money(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")


@given(amounts)
def test_money_is_idempotent_and_agrees_with_str_and_int_input(value: Decimal) -> None:
    rounded = money(value)
    assert money(rounded) == rounded
    assert money(str(value)) == rounded
    assert money(int(value.to_integral_value())) == value.to_integral_value()


@given(st.integers(min_value=-(10**8), max_value=10**8))
def test_exact_halves_round_away_from_zero(cents: int) -> None:
    # x.xx5 exactly: half up (as receipts do) means away from zero, never to even.
    value = Decimal(cents) / 100 + Decimal("0.005")
    away = value + Decimal("0.005") if value > 0 else value - Decimal("0.005")
    assert money(value) == away


@given(amounts)
def test_rounding_is_symmetric_around_zero(value: Decimal) -> None:
    assert money(-value) == -money(value)


@given(fen)
def test_fen_round_trip(amount_fen: int) -> None:
    assert to_fen(from_fen(amount_fen)) == amount_fen


@given(amounts)
def test_to_fen_is_the_rounded_amount_in_fen(value: Decimal) -> None:
    assert Decimal(to_fen(value)) == money(value) * 100
    assert from_fen(to_fen(value)) == money(value)


@given(amounts, amounts)
def test_rounding_a_sum_is_within_a_fen_of_the_sum_of_roundings(a: Decimal, b: Decimal) -> None:
    assert abs(money(a + b) - (money(a) + money(b))) <= CENT


@given(amounts)
def test_display_shows_the_rounded_amount(value: Decimal) -> None:
    shown = yuan(value)
    assert shown.startswith("¥")
    assert Decimal(shown[1:].replace(",", "")) == money(value)
