"""Money is Decimal CNY with two places; this module is the one place that rounds it."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Round to the fen, half up, as Chinese receipts do. Floats are refused: they lose fen."""
    if isinstance(value, float):
        raise TypeError("money() refuses float; pass Decimal, int or str")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def to_fen(amount: Decimal) -> int:
    """Integer fen, only for payment-provider boundaries."""
    return int(money(amount) * 100)


def from_fen(fen: int) -> Decimal:
    return money(Decimal(fen) / 100)


def yuan(amount: Decimal) -> str:
    """Display form: ¥12.50."""
    return f"¥{money(amount):,.2f}"
