"""Serving and tracking: choose a placement for a viewer, record impressions and clicks.

The write path is one INSERT per hit (an analytics Event through track()); the reads before it are
two indexed queries: the community's eligible placements with their campaigns and creatives, and
the viewer's impressions of today (partial index from migration 0002). Budgets are read from
Campaign.spent_* which the rollup refreshes every minute, so serving never sums anything.

Billing rules, applied when the row is written and counted by the rollup:
- a repeat impression of the same placement by the same viewer within `dedupe_window()` is
  recorded with billable=false (a reload is not a new view);
- a click is billable only while the viewer's billable clicks on the placement are fewer than
  their billable impressions of it, so clicks never exceed impressions for anyone;
- known bots are not recorded at all.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.ads.models import Campaign, Creative, Placement
from apps.ads.tokens import click_token_issue, link_signature
from apps.analytics.models import Event
from apps.analytics.tracking import track
from apps.analytics.visitors import visitor_id
from apps.communities.models import Membership

IMPRESSION = "ad_impression"
CLICK = "ad_click"
ORDER_PLACED = "ad_order_placed"
ORDER_PAID = "ad_order_paid"
SUBJECT_TYPE = "ads.placement"

# Crawlers, link-preview fetchers and scripts. WeChat's own in-app browser (MicroMessenger) is a
# person and is not matched.
BOT_PATTERN = re.compile(
    r"bot|spider|crawl|slurp|curl|wget|python-requests|httpclient|headless|"
    r"facebookexternalhit|preview|monitor|scrapy|go-http-client|java/",
    re.IGNORECASE,
)


def dedupe_window() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "ADS_DEDUPE_SECONDS", 600)))


def is_bot(request: HttpRequest) -> bool:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return not agent or bool(BOT_PATTERN.search(agent))


def local_day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _properties(placement: Placement, billable: bool) -> dict[str, Any]:
    return {
        "campaign_id": placement.campaign_id,
        "placement_id": placement.pk,
        "billable": billable,
    }


def campaign_can_spend(campaign: Campaign, now: datetime) -> bool:
    """Flight, status and budgets as of the last rollup, and even pacing: by a given time of
    day at most that share of the daily budget (plus one hour's share, so a quiet morning does
    not lock the campaign out)."""
    if campaign.status != Campaign.Status.ACTIVE:
        return False
    if not (campaign.starts_at <= now < campaign.ends_at):
        return False
    if campaign.spent_total >= campaign.total_budget:
        return False
    today = timezone.localdate(now)
    spent_today = campaign.spent_today if campaign.spent_on == today else Decimal(0)
    if spent_today >= campaign.daily_budget:
        return False
    if campaign.pacing == Campaign.Pacing.EVEN:
        elapsed = now - local_day_start(now)
        share = Decimal(min(elapsed + timedelta(hours=1), timedelta(days=1)) / timedelta(days=1))
        if spent_today >= campaign.daily_budget * share:
            return False
    return True


def _targets(campaign: Campaign, *, kind: str, size: int | None) -> bool:
    if campaign.target_kinds and kind not in campaign.target_kinds:
        return False
    if size is None:
        return True
    if size < campaign.min_members:
        return False
    return campaign.max_members is None or size <= campaign.max_members


def community_size(community_id: int) -> int:
    return Membership.objects.filter(community_id=community_id, left_at=None).count()


def eligible_placements(*, community: Any, slot: str, now: datetime) -> list[Placement]:
    """Accepted placements of approved creatives in running campaigns that target this group and
    still have budget (one query, plus a member count when a campaign targets by size)."""
    candidates = [
        placement
        for placement in Placement.objects.select_related("campaign", "creative").filter(
            community_id=community.pk,
            slot=slot,
            status=Placement.Status.ACCEPTED,
            creative__review=Creative.Review.APPROVED,
            campaign__status=Campaign.Status.ACTIVE,
            campaign__starts_at__lte=now,
            campaign__ends_at__gt=now,
        )
        if campaign_can_spend(placement.campaign, now)
    ]
    size: int | None = None
    if any(p.campaign.min_members or p.campaign.max_members is not None for p in candidates):
        size = community_size(community.pk)
    return [p for p in candidates if _targets(p.campaign, kind=community.kind, size=size)]


@dataclass(frozen=True)
class ViewerHistory:
    """What one viewer saw today: impressions per campaign, last impression per placement."""

    per_campaign: dict[int, int]
    last_seen: dict[int, datetime]


def viewer_history(*, distinct_id: str, now: datetime) -> ViewerHistory:
    rows = (
        Event.objects.filter(
            name=IMPRESSION, distinct_id=distinct_id, occurred_at__gte=local_day_start(now)
        )
        .values("subject_id", "properties__campaign_id")
        .annotate(shown=Count("id"), last=Max("occurred_at"))
        .order_by()
    )
    per_campaign: dict[int, int] = {}
    last_seen: dict[int, datetime] = {}
    for row in rows:
        campaign_id = int(row["properties__campaign_id"])
        per_campaign[campaign_id] = per_campaign.get(campaign_id, 0) + row["shown"]
        last_seen[row["subject_id"]] = row["last"]
    return ViewerHistory(per_campaign, last_seen)


@dataclass(frozen=True)
class ServedAd:
    placement: Placement
    creative: Creative
    click_url: str
    billable: bool


def click_path(placement_id: int) -> str:
    return reverse(
        "ads:click", kwargs={"placement_id": placement_id, "sig": link_signature(placement_id)}
    )


def pixel_path(placement_id: int) -> str:
    return reverse(
        "ads:pixel", kwargs={"placement_id": placement_id, "sig": link_signature(placement_id)}
    )


def ad_serve(
    request: HttpRequest, *, community: Any, slot: str, now: datetime | None = None
) -> ServedAd | None:
    """Pick a placement for this viewer and record its impression, or None.

    The frequency cap counts every impression shown to the viewer today (local day) for the
    campaign, billable or not, so a member sees a campaign at most `frequency_cap` times a day.
    Among the placements under their caps, the one the viewer has seen least today wins.
    """
    if is_bot(request):
        return None
    now = now or timezone.now()
    placements = eligible_placements(community=community, slot=slot, now=now)
    if not placements:
        return None
    viewer = visitor_id(request)
    history = viewer_history(distinct_id=viewer, now=now)
    open_placements = [
        p
        for p in placements
        if history.per_campaign.get(p.campaign_id, 0) < p.campaign.frequency_cap
    ]
    if not open_placements:
        return None
    chosen = min(open_placements, key=lambda p: (history.per_campaign.get(p.campaign_id, 0), p.pk))
    last = history.last_seen.get(chosen.pk)
    billable = last is None or now - last >= dedupe_window()
    track(
        IMPRESSION,
        actor=request.user,
        community=chosen.community_id,
        subject=chosen,
        distinct_id=viewer,
        properties=_properties(chosen, billable),
    )
    return ServedAd(chosen, chosen.creative, click_path(chosen.pk), billable)


def pixel_view_record(request: HttpRequest, *, placement: Placement) -> bool:
    """A message posted into WeChat was opened: count the view (one INSERT), deduped like a
    page impression; billable only while the campaign may spend. Returns whether recorded."""
    if is_bot(request):
        return False
    now = timezone.now()
    viewer = visitor_id(request)
    last = (
        Event.objects.filter(
            name=IMPRESSION,
            distinct_id=viewer,
            subject_type=SUBJECT_TYPE,
            subject_id=placement.pk,
            occurred_at__gte=now - dedupe_window(),
        )
        .order_by()
        .exists()
    )
    billable = (
        not last
        and placement.status == Placement.Status.ACCEPTED
        and campaign_can_spend(placement.campaign, now)
    )
    track(
        IMPRESSION,
        actor=request.user,
        community=placement.community_id,
        subject=placement,
        distinct_id=viewer,
        properties=_properties(placement, billable),
    )
    return True


def click_record(request: HttpRequest, *, placement: Placement) -> str:
    """Record the click (one INSERT; bots none) and return the click token for attribution.

    Billable only while the viewer's billable clicks on this placement are fewer than their
    billable impressions of it (one indexed count over the viewer's own rows)."""
    viewer = visitor_id(request)
    token = click_token_issue(
        placement_id=placement.pk, campaign_id=placement.campaign_id, distinct_id=viewer
    )
    if is_bot(request):
        return token
    counts = Event.objects.filter(
        name__in=[IMPRESSION, CLICK],
        distinct_id=viewer,
        subject_type=SUBJECT_TYPE,
        subject_id=placement.pk,
        properties__billable=True,
    ).aggregate(
        impressions=Count("id", filter=Q(name=IMPRESSION)),
        clicks=Count("id", filter=Q(name=CLICK)),
    )
    billable = counts["clicks"] < counts["impressions"]
    track(
        CLICK,
        actor=request.user,
        community=placement.community_id,
        subject=placement,
        distinct_id=viewer,
        properties=_properties(placement, billable),
    )
    return token
