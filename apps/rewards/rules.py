"""The small rules of the growth tools, kept apart so they read like the leader's rule card."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.core.money import ZERO, money
from apps.rewards.models import CouponTemplate

# Check-in days are counted in China's time whatever the server's zone: a tap at 23:59 and one at
# 00:01 Beijing time are two days.
SHANGHAI = ZoneInfo("Asia/Shanghai")

DAILY_POINTS = 1
STREAK_BONUS_EVERY = 7
STREAK_BONUS_POINTS = 5


def check_in_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def check_in_points(streak: int) -> int:
    """Points for a check-in on day `streak` of a run of consecutive days: 1 a day, and 5 more on
    every 7th day of the run (day 7, 14, 21, …), so a full week earns 12."""
    bonus = STREAK_BONUS_POINTS if streak > 0 and streak % STREAK_BONUS_EVERY == 0 else 0
    return DAILY_POINTS + bonus


def coupon_discount(*, template: CouponTemplate, subtotal: Decimal) -> Decimal:
    """What a coupon takes off a subtotal: a fixed amount, or a percentage rounded to the fen
    (half up, through money()); never more than the subtotal."""
    if template.discount_kind == CouponTemplate.DiscountKind.FIXED:
        off = money(template.amount_off or ZERO)
    else:
        off = money(subtotal * Decimal(template.percent_off or 0) / 100)
    return min(off, money(subtotal))


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (the 31st becomes the month's
    last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
