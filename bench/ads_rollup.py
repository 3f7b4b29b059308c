"""Ads rollup: 1,000,000 impressions (and 3 % clicks) rolled up per placement and hour.

Project: apps.ads.rollup.ads_rollup (finds the touched hours, rebuilds HourlyStat and DailyStat
for them, refreshes campaign spend, accrues the leaders' shares, checks the budget alerts).
Baseline: one INSERT … SELECT … GROUP BY computing the same hourly numbers (impressions, reach,
clicks, spend) into a scratch table, on the same rows of the same database. The run checks that
both give the same sums, then times a 30-day campaign report read from the rollups.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from decimal import Decimal
from statistics import median
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from apps.ads.models import Campaign

# BENCH_ROWS: a smaller run while developing; the recorded figures use the default.
IMPRESSIONS = int(os.environ.get("BENCH_ROWS", "1000000"))
PLACEMENTS = 20
VIEWERS = 60_000
DAYS = 30
CLICK_EVERY = 33  # ≈ 3 % CTR
REPORT_RUNS = 20
ADVERTISER = "bench-ads"

BASELINE_SQL = """
CREATE TEMP TABLE bench_ads_baseline ON COMMIT DROP AS
SELECT e.subject_id AS placement_id, date_trunc('hour', e.occurred_at) AS hour,
       count(*) FILTER (WHERE e.name = 'ad_impression'
                        AND e.properties->>'billable' = 'true') AS impressions,
       count(DISTINCT e.distinct_id) FILTER (WHERE e.name = 'ad_impression') AS reach,
       count(*) FILTER (WHERE e.name = 'ad_click'
                        AND e.properties->>'billable' = 'true') AS clicks
FROM analytics_event e
WHERE e.name IN ('ad_impression', 'ad_click') AND e.subject_type = 'ads.placement'
  AND e.subject_id = ANY(%s)
GROUP BY 1, 2;
"""


def _setup() -> tuple[Campaign, list[int]]:
    from apps.accounts.models import User
    from apps.ads.models import Advertiser, Campaign, Creative, Placement
    from apps.analytics.models import Event
    from apps.communities.models import Community

    old = list(
        Placement.objects.filter(campaign__advertiser__name=ADVERTISER).values_list("pk", flat=True)
    )
    if old:  # a previous run's rows: remove them so this run sees exactly its own
        Event.objects.filter(subject_type="ads.placement", subject_id__in=old).delete()
    owner, _ = User.objects.get_or_create(username="bench-ads-leader")
    advertiser, _ = Advertiser.objects.get_or_create(name=ADVERTISER)
    now = timezone.now()
    campaign = Campaign.objects.create(
        advertiser=advertiser,
        name=f"bench {now:%Y%m%d%H%M%S}",
        price=Decimal("10.00"),
        total_budget=Decimal("1000000.00"),
        daily_budget=Decimal("100000.00"),
        starts_at=now - timedelta(days=DAYS),
        ends_at=now + timedelta(days=1),
        status=Campaign.Status.ACTIVE,
    )
    creative = Creative.objects.create(
        campaign=campaign,
        title="bench",
        landing_url="https://example.com/",
        review=Creative.Review.APPROVED,
    )
    placements = []
    for n in range(PLACEMENTS):
        community = Community.objects.create(
            name=f"bench 宝妈群 {n}", kind=Community.Kind.MOTHERS, owner=owner
        )
        placements.append(
            Placement.objects.create(
                campaign=campaign,
                creative=creative,
                community=community,
                leader=owner,
                slot=Placement.Slot.CHAIN_BANNER,
                status=Placement.Status.ACCEPTED,
            ).pk
        )
    return campaign, placements


def _insert_events(campaign_id: int, placements: list[int]) -> float:
    """1M impressions spread over 30 days, placements and viewers; every 10th is a repeat view
    (not billable); a click for every 33rd impression. Generated inside PostgreSQL."""
    start = timezone.now() - timedelta(days=DAYS)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(community_id ORDER BY id) FROM ads_placement WHERE id = ANY(%s)",
            [placements],
        )
        communities = cursor.fetchone()[0]
        for name, step in (("ad_impression", 1), ("ad_click", CLICK_EVERY)):
            cursor.execute(
                """
                INSERT INTO analytics_event
                    (name, occurred_at, distinct_id, community_id, subject_type, subject_id,
                     properties)
                SELECT %(name)s,
                       %(start)s + (g * interval '1 second' * %(span)s / %(n)s),
                       'v:' || ((g::bigint * 7919) %% %(viewers)s),
                       (%(communities)s::bigint[])[1 + g %% %(k)s],
                       'ads.placement',
                       (%(placements)s::bigint[])[1 + g %% %(k)s],
                       jsonb_build_object(
                           'campaign_id', %(campaign)s,
                           'placement_id', (%(placements)s::bigint[])[1 + g %% %(k)s],
                           'billable', %(name)s = 'ad_click' OR g %% 10 <> 0)
                FROM generate_series(0, %(n)s - 1, %(step)s) AS g
                """,
                {
                    "name": name,
                    "start": start,
                    "span": DAYS * 86400 - 60,
                    "n": IMPRESSIONS,
                    "viewers": VIEWERS,
                    "communities": communities,
                    "placements": placements,
                    "k": len(placements),
                    "campaign": campaign_id,
                    "step": step,
                },
            )
        # VACUUM as well: the first full read after a bulk insert sets every row's hint bits
        # (writing the pages); without it whichever side runs first pays for that alone.
        cursor.execute("VACUUM ANALYZE analytics_event")
    return time.perf_counter() - began


def _baseline(placements: list[int]) -> tuple[float, tuple[int, int, int, Decimal]]:
    with transaction.atomic(), connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(BASELINE_SQL, [placements])
        elapsed = time.perf_counter() - began
        cursor.execute(
            "SELECT sum(impressions), sum(reach), sum(clicks), sum(impressions) * 10.0 / 1000 "
            "FROM bench_ads_baseline"
        )
        imps, reach, clicks, spend = cursor.fetchone()
    return elapsed, (int(imps), int(reach), int(clicks), Decimal(spend).quantize(Decimal("0.01")))


def _project(campaign: Campaign) -> tuple[float, tuple[int, int, int, Decimal]]:
    from django.db.models import Sum

    from apps.ads.models import HourlyStat, RollupState
    from apps.ads.rollup import ads_rollup

    # The bookmark just below this run's rows and no previous run time: what a rollup that
    # finds a million new rows does (a steady every-minute run sees a minute of them).
    state, _ = RollupState.objects.get_or_create(name="hourly")
    first_bench_id = _first_bench_id(campaign)
    RollupState.objects.filter(pk=state.pk).update(
        last_event_id=first_bench_id - 1, last_run_at=None
    )
    began = time.perf_counter()
    ads_rollup()
    elapsed = time.perf_counter() - began
    sums = HourlyStat.objects.filter(campaign=campaign).aggregate(
        i=Sum("impressions"), r=Sum("reach"), c=Sum("clicks"), s=Sum("spend")
    )
    return elapsed, (sums["i"], sums["r"], sums["c"], Decimal(sums["s"]).quantize(Decimal("0.01")))


def _first_bench_id(campaign: Campaign) -> int:
    from apps.analytics.models import Event

    placements = list(campaign.placements.values_list("pk", flat=True))
    first = (
        Event.objects.filter(subject_type="ads.placement", subject_id__in=placements)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return int(first or 1)


def _report_ms(campaign: Campaign) -> float:
    from apps.ads.selectors import campaign_report

    today = timezone.localdate()
    timings = []
    for _ in range(REPORT_RUNS):
        began = time.perf_counter()
        report = campaign_report(
            campaign,
            start=today - timedelta(days=DAYS - 1),
            end=today,
        )
        timings.append((time.perf_counter() - began) * 1000)
    assert len(report.days) == DAYS
    return median(timings)


def run() -> None:
    campaign, placements = _setup()
    inserted = _insert_events(campaign.pk, placements)
    base_time, base_sums = _baseline(placements)
    proj_time, proj_sums = _project(campaign)
    report_ms = _report_ms(campaign)
    print(
        f"data: {IMPRESSIONS:,} impressions + {IMPRESSIONS // CLICK_EVERY + 1:,} clicks, "
        f"{PLACEMENTS} placements, {VIEWERS:,} viewers, {DAYS} days; "
        f"generated in {inserted:.1f} s; database {connection.vendor}"
    )
    print(f"baseline (one INSERT … SELECT … GROUP BY): {base_time:.2f} s  sums {base_sums}")
    print(f"project (ads_rollup):                       {proj_time:.2f} s  sums {proj_sums}")
    print(f"30-day campaign report from the rollups: {report_ms:.1f} ms (median of {REPORT_RUNS})")
    if base_sums != proj_sums:
        raise SystemExit("ads_rollup: the rollup's sums differ from the baseline's")
    print(f"ratio: {proj_time / base_time:.3f}")
