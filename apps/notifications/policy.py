"""When a marketing message may go out: never in quiet hours, at most N a recipient a day."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def in_quiet_hours(moment: datetime) -> bool:
    start = settings.NOTIFICATIONS_QUIET_START_HOUR
    end = settings.NOTIFICATIONS_QUIET_END_HOUR
    hour = timezone.localtime(moment).hour
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end  # the window crosses midnight (22:00–08:00)


def quiet_hours_end(moment: datetime) -> datetime:
    """The first moment after the quiet window that contains `moment`."""
    local = timezone.localtime(moment)
    end = local.replace(
        hour=settings.NOTIFICATIONS_QUIET_END_HOUR, minute=0, second=0, microsecond=0
    )
    if end <= local:
        end += timedelta(days=1)
    return end


def local_day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(moment)
    start = timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)
    return start, start + timedelta(days=1)
