from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.communities.models import Community, JoinRequest, Membership, ModerationHit

MANAGING_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def communities_managed_by(user: User) -> QuerySet[Community]:
    """Communities where the user is the owner or an admin now."""
    return Community.objects.filter(
        memberships__user=user, memberships__role__in=MANAGING_ROLES, memberships__left_at=None
    ).distinct()


def is_active_member(*, user: User, community: Community) -> bool:
    return Membership.objects.filter(user=user, community=community, left_at=None).exists()


CHURN_WARNING_PERCENT = Decimal("30")


@dataclass(frozen=True)
class ChurnMonth:
    """One calendar month: members at its start, who of them left during it, and who joined."""

    month: date
    at_start: int
    left: int
    joined: int

    @property
    def rate(self) -> Decimal | None:
        """Percent, one decimal; None for a month that started with nobody."""
        if not self.at_start:
            return None
        return (Decimal(self.left * 100) / self.at_start).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def warning(self) -> bool:
        return self.rate is not None and self.rate > CHURN_WARNING_PERCENT


def _month_starts(now: datetime, months: int) -> list[datetime]:
    local = timezone.localtime(now)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months):
        previous = starts[-1] - timedelta(days=1)
        starts.append(previous.replace(day=1))
    return sorted(starts)


def community_churn_by_month(
    community: Community, *, months: int = 6, now: datetime | None = None
) -> list[ChurnMonth]:
    """Monthly churn = members who left during the month / members at its start, over the last
    `months` full months and the current one so far, in one query.

    A member who left and came back counts from their latest stay (the row keeps one)."""
    now = now or timezone.now()
    starts = _month_starts(now, months)
    bounds = list(zip(starts, [*starts[1:], now + timedelta(seconds=1)], strict=True))
    counts: dict[str, Count] = {}
    for index, (start, end) in enumerate(bounds):
        there = Q(joined_at__lt=start) & (Q(left_at__isnull=True) | Q(left_at__gte=start))
        counts[f"s{index}"] = Count("pk", filter=there)
        counts[f"l{index}"] = Count("pk", filter=there & Q(left_at__lt=end))
        counts[f"j{index}"] = Count("pk", filter=Q(joined_at__gte=start, joined_at__lt=end))
    row = Membership.objects.filter(community=community).aggregate(**counts)
    return [
        ChurnMonth(
            month=start.date(),
            at_start=row[f"s{index}"],
            left=row[f"l{index}"],
            joined=row[f"j{index}"],
        )
        for index, (start, _end) in enumerate(bounds)
    ]


def join_requests_pending(community: Community) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(community=community, status=JoinRequest.Status.PENDING)
        .select_related("user", "invite__created_by")
        .order_by("created_at")
    )


def moderation_hits_by_word(community: Community) -> QuerySet[ModerationHit, dict[str, Any]]:
    """How often each word stopped a text in this group, most frequent first."""
    return (
        ModerationHit.objects.filter(community=community)
        .values("word", "platform")
        .annotate(hits=Count("pk"), last=Max("created_at"))
        .order_by("-hits", "word")
    )
