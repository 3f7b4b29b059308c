"""Rewards reads: balances, streaks, the leaderboard and coupons. Each runs a fixed number of
queries whatever the size of the community."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.models import Community, Membership
from apps.communities.selectors import communities_managed_by
from apps.core.errors import NotFound
from apps.rewards.models import CheckIn, Coupon, CouponTemplate, PointsEntry
from apps.rewards.rules import SHANGHAI, check_in_day

LEADERBOARD_SIZE = 20


def community_for_member(*, user: User, community_id: int) -> Community:
    """A community the user belongs to now; any other is "not found"."""
    community = Community.objects.filter(
        pk=community_id, memberships__user=user, memberships__left_at=None
    ).first()
    if community is None:
        raise NotFound(_("群不存在"))
    return community


def community_for_manager(*, user: User, community_id: int) -> Community:
    """A community the user owns or administers; any other is "not found", never "forbidden"."""
    community = communities_managed_by(user).filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("群不存在"))
    return community


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    streak: int  # consecutive days up to today, or up to yesterday if not checked in yet
    checked_in_today: bool


def points_summary(
    *, community: Community, user: User, now: datetime | None = None
) -> PointsSummary:
    today = check_in_day(now or timezone.now())
    balance = PointsEntry.objects.filter(community=community, user=user).aggregate(
        total=Sum("points", default=0)
    )["total"]
    latest = (
        CheckIn.objects.filter(
            community=community, user=user, day__in=[today, today - timedelta(days=1)]
        )
        .order_by("-day")
        .first()
    )
    return PointsSummary(
        balance=int(balance),
        streak=latest.streak if latest else 0,
        checked_in_today=latest is not None and latest.day == today,
    )


def points_entries(*, community: Community, user: User) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(community=community, user=user).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: int
    name: str
    points: int


def month_start(now: datetime | None = None) -> datetime:
    local = (now or timezone.now()).astimezone(SHANGHAI)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def leaderboard(
    *, community: Community, since: datetime | None = None, limit: int = LEADERBOARD_SIZE
) -> list[LeaderboardRow]:
    """Current members ranked by points earned (since `since`, or ever); spending does not lower
    a rank. One query."""
    earned = PointsEntry.objects.filter(community=community, kind=PointsEntry.Kind.EARNED).filter(
        Exists(
            Membership.objects.filter(
                community=community, user=OuterRef("user_id"), left_at__isnull=True
            )
        )
    )
    if since is not None:
        earned = earned.filter(created_at__gte=since)
    rows = (
        earned.values("user_id", "user__display_name", "user__username")
        .annotate(total=Sum("points"))
        .order_by("-total", "user_id")[:limit]
    )
    return [
        LeaderboardRow(
            rank=index,
            user_id=row["user_id"],
            name=row["user__display_name"] or row["user__username"],
            points=int(row["total"]),
        )
        for index, row in enumerate(rows, start=1)
    ]


def coupons_of(*, user: User) -> QuerySet[Coupon]:
    return (
        Coupon.objects.filter(owner=user)
        .select_related("template", "community")
        .order_by("status", "expires_at", "pk")
    )


def coupons_available_for(
    *, user: User, community: Community, now: datetime | None = None
) -> QuerySet[Coupon]:
    """The member's coupons usable in a community now (for the order form's select)."""
    now = now or timezone.now()
    return (
        Coupon.objects.filter(
            owner=user,
            community=community,
            status=Coupon.Status.AVAILABLE,
            valid_from__lte=now,
            expires_at__gt=now,
        )
        .select_related("template")
        .order_by("expires_at", "pk")
    )


def coupon_templates_exchangeable(
    *, community: Community, now: datetime | None = None
) -> QuerySet[CouponTemplate]:
    """Templates members may exchange points for now."""
    now = now or timezone.now()
    return CouponTemplate.objects.filter(
        Q(community=community, active=True, points_price__isnull=False, valid_until__gt=now)
        & Q(issued_count__lt=F("total_quantity"))
    ).order_by("points_price", "pk")


def coupon_templates_of(community: Community) -> QuerySet[CouponTemplate]:
    return CouponTemplate.objects.filter(community=community).order_by("-created_at", "-pk")
