"""Period arithmetic: calendar months, clamped at month ends, leap years, local time."""

from datetime import datetime

import pytest

from apps.memberships.periods import add_months, period_end
from tests.memberships.factories import at


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 10), 1, datetime(2026, 2, 28, 10)),
        (datetime(2028, 1, 31, 10), 1, datetime(2028, 2, 29, 10)),  # leap year
        (datetime(2024, 2, 29), 12, datetime(2025, 2, 28)),
        (datetime(2026, 3, 31), 1, datetime(2026, 4, 30)),
        (datetime(2026, 11, 30), 3, datetime(2027, 2, 28)),
        (datetime(2026, 12, 15), 1, datetime(2027, 1, 15)),
        (datetime(2026, 5, 10), 12, datetime(2027, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_shorter_months(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


def test_period_end_counts_in_local_time_and_lifetime_never_ends(settings: object) -> None:
    # 2026-01-31 23:30 in Shanghai is 15:30 UTC: still the 31st locally, so the end is Feb 28.
    start = at("2026-01-31T23:30:00")
    end = period_end(start, "month")
    assert end is not None
    assert (end.year, end.month, end.day, end.hour) == (2026, 2, 28, 23)
    assert period_end(start, "quarter") == at("2026-04-30T23:30:00")
    assert period_end(start, "year") == at("2027-01-31T23:30:00")
    assert period_end(start, "lifetime") is None
