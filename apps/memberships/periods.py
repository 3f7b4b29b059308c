"""Calendar arithmetic for membership periods, pure and without dateutil.

A month after Jan 31 is the last day of February (28th, or 29th in a leap year), as members and
Chinese payment apps expect; the time of day is kept. The sum is taken in the local time zone, so
"one month" means the member's calendar month, not the UTC one.
"""

import calendar
from datetime import datetime

from django.utils import timezone

MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, clamped to the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start: datetime, period: str) -> datetime | None:
    """Where a period bought from `start` ends; None for lifetime."""
    if period == "lifetime":
        return None
    local = timezone.localtime(start) if timezone.is_aware(start) else start
    return add_months(local, MONTHS[period])
