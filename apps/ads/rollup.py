"""The rollup: events → HourlyStat and DailyStat → campaign spend, budget alerts, leader earnings.

Exactly once by recomputation, not by incrementing: each run finds the hour buckets that may have
changed and rebuilds the local days that contain them (DELETE + INSERT … SELECT … GROUP BY) from
the raw events, so running it again rebuilds the same numbers. The buckets that may have changed
are
- the hours of every ad event with an id above the bookmark (new rows, whatever their time), and
- every hour overlapping [previous run − LATE_MARGIN, now]: a transaction that took an id before
  the bookmark but committed after the previous run looked is invisible to an id watermark, and
  its rows carry occurred_at from inside that transaction, so they fall in this range as long as
  the transaction lasted less than LATE_MARGIN (requests and tasks here are far shorter).
Whole days, because a day's reach counts distinct viewers over the whole day (never a sum of
hours): one scan of those days' impression and click rows, reduced to one row per placement,
hour and viewer, feeds both HourlyStat and DailyStat. Runs are serialised by a
transaction-scoped advisory lock.

Budgets and tolerance: serving reads Campaign.spent_* written here, so delivery stops at most one
run interval (60 s on the beat schedule) plus the time to the next run after a budget is reached;
what is delivered in that interval is the overshoot (at most one interval's delivery at the
campaign's pace). The advertiser hears at 80 % of the daily and of the total budget.

Leader earnings: per placement and local day the ledger must hold revenue_share % of that day's
spend, rounded to the fen; the rollup appends the difference (a numbered "ads:<p>:<day>:<n>" row),
so late events add a small delta and a re-run adds nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.ads.delivery import CLICK, IMPRESSION, ORDER_PAID, ORDER_PLACED, SUBJECT_TYPE
from apps.ads.models import Campaign, RollupState
from apps.core.money import money
from apps.distribution.models import CommissionEntry
from apps.notifications.services import notify

LATE_MARGIN = timedelta(minutes=10)
LOCK_KEY = 0x0AD5_0011  # pg_advisory_xact_lock key of this rollup
AD_EVENTS = [IMPRESSION, CLICK, ORDER_PLACED, ORDER_PAID]
BUDGET_ALERT_SHARE = Decimal("0.8")

# One scan of the rebuilt days' impressions and clicks, reduced to one row per placement, hour
# and viewer; the hourly numbers and the daily reach are both read from this slice. Viewer ids
# are compared bytewise (COLLATE "C"): only equality matters, and locale-aware comparison made
# the sorts several times slower.
SLICE_SQL = """
CREATE TEMP TABLE ads_rollup_slice ON COMMIT DROP AS
SELECT e.subject_id AS placement_id, date_trunc('hour', e.occurred_at) AS hour,
       e.distinct_id COLLATE "C" AS distinct_id,
       count(*) FILTER (WHERE e.name = 'ad_impression'
                        AND e.properties->>'billable' = 'true') AS impressions,
       count(*) FILTER (WHERE e.name = 'ad_impression') AS shown,
       count(*) FILTER (WHERE e.name = 'ad_click'
                        AND e.properties->>'billable' = 'true') AS clicks
FROM analytics_event e
WHERE e.name IN ('ad_impression', 'ad_click') AND e.subject_type = %(subject_type)s
  AND ({ranges})
GROUP BY 1, 2, 3
"""

HOURLY_SQL = """
INSERT INTO ads_hourlystat
    (placement_id, campaign_id, community_id, hour,
     impressions, reach, clicks, orders, conversions, spend)
SELECT p.id, p.campaign_id, p.community_id, b.hour,
       b.impressions, b.reach, b.clicks, b.orders, b.conversions,
       CASE WHEN c.pricing = 'cpm' THEN b.impressions * c.price / 1000
            ELSE b.clicks * c.price END
FROM (
    SELECT placement_id, hour, sum(impressions)::bigint AS impressions,
           sum(reach)::bigint AS reach, sum(clicks)::bigint AS clicks,
           sum(orders)::bigint AS orders, sum(conversions)::bigint AS conversions
    FROM (
        SELECT placement_id, hour, sum(impressions) AS impressions,
               count(*) FILTER (WHERE shown > 0) AS reach, sum(clicks) AS clicks,
               0 AS orders, 0 AS conversions
        FROM ads_rollup_slice GROUP BY 1, 2
        UNION ALL
        -- orders are few: read straight from the (name, occurred_at) index
        SELECT e.subject_id, date_trunc('hour', e.occurred_at), 0, 0, 0,
               count(DISTINCT e.properties->>'order_id')
                   FILTER (WHERE e.name = 'ad_order_placed'),
               count(DISTINCT e.properties->>'order_id')
                   FILTER (WHERE e.name = 'ad_order_paid')
        FROM analytics_event e
        WHERE e.name IN ('ad_order_placed', 'ad_order_paid')
          AND e.subject_type = %(subject_type)s AND ({ranges})
        GROUP BY 1, 2
    ) u
    GROUP BY 1, 2
) b
JOIN ads_placement p ON p.id = b.placement_id
JOIN ads_campaign c ON c.id = p.campaign_id
"""

# count(DISTINCT …) on both sets: a member of two groups is one viewer of the campaign that day.
# The day's sums from the hours just rebuilt, per community and for all communities (row 0).
DAILY_SQL = """
INSERT INTO ads_dailystat
    (campaign_id, community_id, day, impressions, reach, clicks, orders, conversions, spend)
SELECT h.campaign_id,
       CASE WHEN GROUPING(h.community_id) = 1 THEN 0 ELSE h.community_id END,
       h.day, sum(h.impressions), 0, sum(h.clicks), sum(h.orders), sum(h.conversions),
       sum(h.spend)
FROM (
    SELECT campaign_id, community_id, (hour AT TIME ZONE %(tz)s)::date AS day, impressions,
           clicks, orders, conversions, spend
    FROM ads_hourlystat WHERE hour = ANY(%(hours)s)
) h
GROUP BY GROUPING SETS ((h.campaign_id, h.community_id, h.day), (h.campaign_id, h.day))
"""

# Then each day's distinct viewers, per community and for the campaign (a member of two groups
# is one viewer of the campaign that day). Distinct first, then counted: two hash aggregates
# instead of count(DISTINCT …), which sorts every group's input.
DAILY_REACH_SQL = """
WITH v AS MATERIALIZED (
    SELECT p.campaign_id, p.community_id, (s.hour AT TIME ZONE %(tz)s)::date AS day,
           s.distinct_id
    FROM ads_rollup_slice s
    JOIN ads_placement p ON p.id = s.placement_id
    WHERE s.shown > 0
    GROUP BY 1, 2, 3, 4
), r AS (
    SELECT campaign_id, community_id, day, count(*) AS reach FROM v GROUP BY 1, 2, 3
    UNION ALL
    SELECT campaign_id, 0, day, count(*)
    FROM (SELECT campaign_id, day, distinct_id FROM v GROUP BY 1, 2, 3) w
    GROUP BY 1, 2, 3
)
UPDATE ads_dailystat d SET reach = r.reach
FROM r
WHERE d.campaign_id = r.campaign_id AND d.community_id = r.community_id AND d.day = r.day
"""


@dataclass(frozen=True)
class RollupResult:
    hours: int
    days: int
    campaigns: int
    ledger_rows: int


def _touched_hours(cursor: object, *, after_id: int, upto_id: int) -> list[datetime]:
    cursor.execute(  # type: ignore[attr-defined]
        """
        SELECT DISTINCT date_trunc('hour', occurred_at) FROM analytics_event
        WHERE id > %s AND id <= %s AND name = ANY(%s) AND subject_type = %s
        """,
        [after_id, upto_id, AD_EVENTS, SUBJECT_TYPE],
    )
    return [row[0] for row in cursor.fetchall()]  # type: ignore[attr-defined]


def _ranges(bounds: list[tuple[datetime, datetime]]) -> tuple[str, dict[str, datetime]]:
    """A WHERE clause of half-open occurred_at ranges, adjacent ones merged: usually one or two,
    so PostgreSQL scans the (name, occurred_at) index over exactly the rebuilt time."""
    merged: list[list[datetime]] = []
    for start, end in sorted(bounds):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    clauses, params = [], {}
    for number, (start, end) in enumerate(merged):
        clauses.append(f"(e.occurred_at >= %(s{number})s AND e.occurred_at < %(e{number})s)")
        params[f"s{number}"], params[f"e{number}"] = start, end
    return " OR ".join(clauses), params


def _hours_between(start: datetime, end: datetime) -> list[datetime]:
    hour = start.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour <= end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _local_day_bounds(days: list[date]) -> list[tuple[datetime, datetime]]:
    tz = timezone.get_current_timezone()
    return [
        (
            datetime.combine(day, datetime.min.time(), tzinfo=tz),
            datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz),
        )
        for day in days
    ]


def ads_rollup(*, now: datetime | None = None) -> RollupResult:
    """One run; safe to repeat and to run concurrently (the second waits for the first)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # The distinct-viewer counts hash or sort up to a day of events: with the default 4 MB
        # they spill to disk. For this transaction only.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        state, _created = RollupState.objects.select_for_update().get_or_create(name="hourly")
        cursor.execute("SELECT coalesce(max(id), 0) FROM analytics_event")
        upto_id = cursor.fetchone()[0]
        hours = set(_touched_hours(cursor, after_id=state.last_event_id, upto_id=upto_id))
        if state.last_run_at is not None:
            hours.update(_hours_between(state.last_run_at - LATE_MARGIN, now))
        days = sorted({timezone.localdate(hour) for hour in hours})
        ordered = _rebuild(cursor, days) if days else []
        campaign_ids = _refresh_spend(cursor, ordered, now)
        ledger_rows = _accrue_leader_shares(cursor, days) if days else 0
        _alert_budgets(campaign_ids, now)
        state.last_event_id = upto_id
        state.last_run_at = now
        state.save(update_fields=["last_event_id", "last_run_at"])
    return RollupResult(len(ordered), len(days), len(campaign_ids), ledger_rows)


def _rebuild(cursor: object, days: list[date]) -> list[datetime]:
    """Rebuild HourlyStat and DailyStat for whole local days (a day's reach needs all of its
    hours); returns the rebuilt hours."""
    bounds = _local_day_bounds(days)
    hours = [hour for start, end in bounds for hour in _hours_between(start, end)[:-1]]
    where, params = _ranges(bounds)
    cursor.execute("DELETE FROM ads_hourlystat WHERE hour = ANY(%s)", [hours])  # type: ignore[attr-defined]
    cursor.execute("DELETE FROM ads_dailystat WHERE day = ANY(%s)", [days])  # type: ignore[attr-defined]
    cursor.execute(SLICE_SQL.format(ranges=where), {"subject_type": SUBJECT_TYPE, **params})  # type: ignore[attr-defined]
    cursor.execute("ANALYZE ads_rollup_slice")  # type: ignore[attr-defined]
    cursor.execute(HOURLY_SQL.format(ranges=where), {"subject_type": SUBJECT_TYPE, **params})  # type: ignore[attr-defined]
    tz = timezone.get_current_timezone_name()
    cursor.execute(DAILY_SQL, {"tz": tz, "hours": hours})  # type: ignore[attr-defined]
    cursor.execute(DAILY_REACH_SQL, {"tz": tz})  # type: ignore[attr-defined]
    cursor.execute("DROP TABLE ads_rollup_slice")  # type: ignore[attr-defined]
    return hours


def _refresh_spend(cursor: object, hours: list[datetime], now: datetime) -> list[int]:
    """Campaign.spent_total / spent_today from the rollups, for the campaigns with buckets in the
    rebuilt hours (an untouched campaign's numbers cannot have changed)."""
    if not hours:
        return []
    today = timezone.localdate(now)
    ((day_start, _end),) = _local_day_bounds([today])
    cursor.execute(  # type: ignore[attr-defined]
        """
        UPDATE ads_campaign c
        SET spent_total = s.total, spent_today = s.today, spent_on = %(today)s
        FROM (
            SELECT campaign_id, sum(spend) AS total,
                   coalesce(sum(spend) FILTER (WHERE hour >= %(day_start)s), 0) AS today
            FROM ads_hourlystat
            WHERE campaign_id IN (
                SELECT DISTINCT p.campaign_id FROM ads_hourlystat h
                JOIN ads_placement p ON p.id = h.placement_id WHERE h.hour = ANY(%(hours)s))
            GROUP BY campaign_id
        ) s
        WHERE c.id = s.campaign_id
        RETURNING c.id
        """,
        {"today": today, "day_start": day_start, "hours": hours},
    )
    return sorted(row[0] for row in cursor.fetchall())  # type: ignore[attr-defined]


def _accrue_leader_shares(cursor: object, days: list[date]) -> int:
    tz = timezone.get_current_timezone_name()
    cursor.execute(  # type: ignore[attr-defined]
        """
        SELECT p.id, p.leader_id, p.revenue_share,
               (h.hour AT TIME ZONE %(tz)s)::date AS day, sum(h.spend)
        FROM ads_hourlystat h JOIN ads_placement p ON p.id = h.placement_id
        WHERE (h.hour AT TIME ZONE %(tz)s)::date = ANY(%(days)s)
        GROUP BY 1, 2, 3, 4
        """,
        {"tz": tz, "days": days},
    )
    targets = cursor.fetchall()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        """
        SELECT split_part(reference, ':', 2)::bigint, split_part(reference, ':', 3)::date,
               sum(amount), count(*)
        FROM distribution_commissionentry
        WHERE kind = 'ad_share' AND reference LIKE 'ads:%%'
          AND split_part(reference, ':', 3)::date = ANY(%(days)s)
        GROUP BY 1, 2
        """,
        {"days": days},
    )
    accrued = {(row[0], row[1]): (row[2], row[3]) for row in cursor.fetchall()}  # type: ignore[attr-defined]
    rows = []
    for placement_id, leader_id, share, day, spend in targets:
        target = money(spend * share / 100)
        already, count = accrued.get((placement_id, day), (Decimal(0), 0))
        delta = target - already
        if delta == 0:
            continue
        rows.append(
            CommissionEntry(
                kind=CommissionEntry.Kind.AD_SHARE,
                beneficiary_id=leader_id,
                amount=delta,
                base_amount=money(spend),
                reference=f"ads:{placement_id}:{day.isoformat()}:{count + 1}",
                reason=gettext("广告分成 %(day)s 投放 #%(placement)s")
                % {"day": day.isoformat(), "placement": placement_id},
            )
        )
    CommissionEntry.objects.bulk_create(rows)
    return len(rows)


def _alert_budgets(campaign_ids: list[int], now: datetime) -> None:
    """Tell the advertiser's users once when 80 % of the daily or the total budget is spent."""
    if not campaign_ids:
        return
    today = timezone.localdate(now)
    campaigns = Campaign.objects.filter(pk__in=campaign_ids).prefetch_related("advertiser__users")
    for campaign in campaigns:
        alerts = []
        if campaign.spent_total >= campaign.total_budget * BUDGET_ALERT_SHARE:
            alerts.append(("total", f"ads:budget80:{campaign.pk}:total"))
        if (
            campaign.spent_on == today
            and campaign.spent_today >= campaign.daily_budget * BUDGET_ALERT_SHARE
        ):
            alerts.append(("daily", f"ads:budget80:{campaign.pk}:{today.isoformat()}"))
        for scope, key in alerts:
            for user in campaign.advertiser.users.all():
                notify(
                    recipient=user,
                    template="ads_budget_80",
                    dedupe_key=f"{key}:{user.pk}",
                    context={
                        "campaign": campaign.name,
                        "scope": scope,
                        "spent": str(money(campaign.spent_total)),
                        "spent_today": str(money(campaign.spent_today)),
                        "total_budget": str(campaign.total_budget),
                        "daily_budget": str(campaign.daily_budget),
                    },
                )
