"""Reads for ads: who sees which campaign, what to serve, and reports built from the rollups."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import BigIntegerField, CharField, DecimalField, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from apps.accounts.roles import Role, has_role
from apps.ads.models import Campaign, DailyStat, HourlyStat, Placement
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.money import CENT, ZERO, money
from apps.distribution.models import CommissionEntry

SPEND_FIELD: "DecimalField[Decimal, Decimal]" = DecimalField(max_digits=18, decimal_places=5)


class SplitPart(Func):
    """PostgreSQL split_part(text, ':', n): a field of an "ads:<placement>:<day>:<n>" reference."""

    function = "split_part"

    def __init__(self, expression: str, position: int) -> None:
        super().__init__(expression, Value(":"), Value(position), output_field=CharField())


def is_ads_operator(user: Any) -> bool:
    """Operations staff and superusers run every advertiser's campaigns."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or has_role(user, Role.OPERATIONS))
    )


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """Advertiser users see their advertisers' campaigns; operations and superusers see all;
    anyone else none."""
    campaigns = Campaign.objects.select_related("advertiser")
    if is_ads_operator(user):
        return campaigns.all()
    if user is None or not user.is_authenticated:
        return campaigns.none()
    # One advertiser per campaign, so the join yields each campaign at most once.
    return campaigns.filter(advertiser__users=user)


@dataclass(frozen=True)
class Metrics:
    """Sums, and the ratios computed from them (never an average of ratios)."""

    impressions: int = 0
    clicks: int = 0
    orders: int = 0
    conversions: int = 0
    spend: Decimal = ZERO
    reach: int | None = None

    @staticmethod
    def _ratio(numerator: Decimal, denominator: int | Decimal) -> Decimal | None:
        if not denominator:
            return None
        return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)

    @property
    def spend_yuan(self) -> Decimal:
        return money(self.spend)

    @property
    def ctr(self) -> Decimal | None:
        """Percent."""
        return self._ratio(Decimal(self.clicks) * 100, self.impressions)

    @property
    def cpm(self) -> Decimal | None:
        """Yuan per thousand billable impressions (for a CPC campaign, its effective CPM)."""
        return self._ratio(self.spend * 1000, self.impressions)

    @property
    def cpa(self) -> Decimal | None:
        return self._ratio(self.spend, self.conversions)

    @property
    def conversion_rate(self) -> Decimal | None:
        """Paid orders per click, percent."""
        return self._ratio(Decimal(self.conversions) * 100, self.clicks)

    @classmethod
    def ecpm_of(cls, earned: Decimal | None, impressions: int) -> Decimal | None:
        """What a placement earned its leader per thousand impressions."""
        return cls._ratio((earned or ZERO) * 1000, impressions)

    def __add__(self, other: "Metrics") -> "Metrics":
        return Metrics(
            self.impressions + other.impressions,
            self.clicks + other.clicks,
            self.orders + other.orders,
            self.conversions + other.conversions,
            self.spend + other.spend,
            None,
        )


SUMS = {
    "impressions": Coalesce(Sum("impressions"), 0),
    "clicks": Coalesce(Sum("clicks"), 0),
    "orders": Coalesce(Sum("orders"), 0),
    "conversions": Coalesce(Sum("conversions"), 0),
    "spend": Coalesce(Sum("spend"), Value(Decimal(0)), output_field=SPEND_FIELD),
}


def _metrics(row: Mapping[str, Any], reach: int | None = None) -> Metrics:
    return Metrics(
        row["impressions"], row["clicks"], row["orders"], row["conversions"], row["spend"], reach
    )


@dataclass(frozen=True)
class CommunityRow:
    community_id: int
    name: str
    metrics: Metrics


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    start: date
    end: date
    days: list[tuple[date, Metrics]]
    communities: list[CommunityRow]
    total: Metrics


MAX_REPORT_DAYS = 92


def report_period(
    campaign: Campaign, *, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """Default: the flight so far. Periods longer than MAX_REPORT_DAYS are cut to their end."""
    flight_start = timezone.localdate(campaign.starts_at)
    flight_end = timezone.localdate(campaign.ends_at)
    end = end or min(flight_end, timezone.localdate())
    start = start or max(flight_start, end - timedelta(days=MAX_REPORT_DAYS - 1))
    if start > end:
        start = end
    if (end - start).days >= MAX_REPORT_DAYS:
        start = end - timedelta(days=MAX_REPORT_DAYS - 1)
    return start, end


def campaign_report(
    campaign: Campaign, *, start: date | None = None, end: date | None = None
) -> CampaignReport:
    """Per local day and per community, from DailyStat (three queries, a few hundred rows).

    A day's reach is its distinct viewers; a community's reach over the period is the sum of
    its daily reach (viewer-days), as distinct viewers over a period are not kept."""
    start, end = report_period(campaign, start=start, end=end)
    stats = DailyStat.objects.filter(campaign=campaign, day__gte=start, day__lte=end)
    by_day = {
        row["day"]: row
        for row in stats.filter(community_id=DailyStat.ALL_COMMUNITIES).values(
            "day", "impressions", "reach", "clicks", "orders", "conversions", "spend"
        )
    }
    days = []
    day = start
    while day <= end:
        row = by_day.get(day)
        days.append((day, _metrics(row, row["reach"]) if row else Metrics(reach=0)))
        day += timedelta(days=1)
    community_rows = list(
        stats.exclude(community_id=DailyStat.ALL_COMMUNITIES)
        .values("community_id")
        .annotate(**SUMS, viewer_days=Coalesce(Sum("reach"), 0))
        .order_by("community_id")
    )
    names = dict(
        Community.objects.filter(pk__in=[r["community_id"] for r in community_rows]).values_list(
            "pk", "name"
        )
    )
    communities = [
        CommunityRow(
            row["community_id"],
            names.get(row["community_id"], "—"),
            _metrics(row, row["viewer_days"]),
        )
        for row in community_rows
    ]
    total = Metrics()
    for _day, metrics in days:
        total = total + metrics
    return CampaignReport(campaign, start, end, days, communities, total)


def placements_for_leader(user: Any) -> QuerySet[Placement]:
    """Placements offered to this user's groups (as the named leader or as a group manager)."""
    return (
        Placement.objects.select_related("campaign__advertiser", "creative", "community")
        .filter(Q(leader=user) | Q(community__in=communities_managed_by(user)))
        .distinct()
        .order_by("-created_at", "-id")
    )


def leader_earnings(placement_ids: list[int]) -> dict[int, Decimal]:
    """Ad-share ledger sums per placement (rows are "ads:<placement>:<day>:<n>")."""
    if not placement_ids:
        return {}
    rows = (
        CommissionEntry.objects.filter(
            kind=CommissionEntry.Kind.AD_SHARE, reference__startswith="ads:"
        )
        .annotate(placement=Cast(SplitPart("reference", 2), BigIntegerField()))
        .filter(placement__in=placement_ids)
        .values("placement")
        .annotate(total=Sum("amount"))
        .values_list("placement", "total")
    )
    return dict(rows)


def placement_totals(placement_ids: list[int]) -> dict[int, Metrics]:
    rows = (
        HourlyStat.objects.filter(placement_id__in=placement_ids)
        .values("placement_id")
        .annotate(**SUMS)
        .order_by()
    )
    return {row["placement_id"]: _metrics(row) for row in rows}


def campaign_totals(campaign_ids: list[int]) -> dict[int, Metrics]:
    rows = (
        DailyStat.objects.filter(
            campaign_id__in=campaign_ids, community_id=DailyStat.ALL_COMMUNITIES
        )
        .values("campaign_id")
        .annotate(**SUMS)
        .order_by()
    )
    return {row["campaign_id"]: _metrics(row) for row in rows}
