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
hours): one sorted scan of those days' impression and click rows gives the hourly figures and
the day's distinct viewers per group and per campaign (BUCKETS_SQL). Runs are serialised by a
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
from apps.ads.models import Campaign, DailyStat, HourlyStat, Placement, RollupState
from apps.analytics.models import Event
from apps.core.locks import LockSpace, advisory_lock
from apps.core.money import money
from apps.distribution.models import CommissionEntry
from apps.notifications.services import notify

LATE_MARGIN = timedelta(minutes=10)
AD_EVENTS = [IMPRESSION, CLICK, ORDER_PLACED, ORDER_PAID]
BUDGET_ALERT_SHARE = Decimal("0.8")


def _sql(text: str, **parts: str) -> str:
    """The statement with its tables named as the models name them (and `parts` filled in)."""
    tables = {
        "event": Event._meta.db_table,
        "placement": Placement._meta.db_table,
        "hourly": HourlyStat._meta.db_table,
        "daily": DailyStat._meta.db_table,
        "campaign": Campaign._meta.db_table,
        "ledger": CommissionEntry._meta.db_table,
    }
    return text.format(**tables, **parts)


# One sort of the rebuilt days' impression and click rows (by campaign, local day, group,
# placement, hour) feeds every count: the three groupings below are prefixes of that order
# (a rollup), so PostgreSQL computes them in a single pass over the sorted rows:
#   HOUR_BUCKET: per placement and hour → the hour's figures and its distinct viewers,
#   GROUP_DAY_BUCKET: per campaign, group and day → the group's distinct viewers that day,
#   CAMPAIGN_DAY_BUCKET: per campaign and day → the campaign's distinct viewers that day (a member
#       of two groups is one viewer), community_id 0 like DailyStat's all-groups row.
# Each count(DISTINCT …) sorts only its own group's viewers (an hour's, a day's), small sorts that
# stay in memory, instead of a second million-row distinct. Viewer ids are compared bytewise
# (COLLATE "C"): only equality matters, and the database's libc collation makes every comparison
# a strcoll() call and turns off PostgreSQL's abbreviated sort keys.
BUCKETS_SQL = """
CREATE TEMP TABLE ads_rollup_buckets ON COMMIT DROP AS
SELECT GROUPING(e.community_id, e.placement_id) AS level, e.campaign_id,
       coalesce(e.community_id, 0) AS community_id, e.day, e.placement_id, e.hour,
       count(*) FILTER (WHERE e.impression AND e.billable) AS impressions,
       count(DISTINCT e.viewer) FILTER (WHERE e.impression) AS reach,
       count(*) FILTER (WHERE NOT e.impression AND e.billable) AS clicks
FROM (
    SELECT e.distinct_id COLLATE "C" AS viewer, e.subject_id AS placement_id,
           p.campaign_id, p.community_id, date_trunc('hour', e.occurred_at) AS hour,
           (date_trunc('hour', e.occurred_at) AT TIME ZONE %(tz)s)::date AS day,
           e.name = 'ad_impression' AS impression,
           e.properties->>'billable' = 'true' AS billable
    FROM {event} e
    JOIN {placement} p ON p.id = e.subject_id
    WHERE e.name IN ('ad_impression', 'ad_click') AND e.subject_type = %(subject_type)s
      AND ({ranges})
) e
GROUP BY GROUPING SETS (
    (e.campaign_id, e.day, e.community_id, e.placement_id, e.hour),
    (e.campaign_id, e.day, e.community_id),
    (e.campaign_id, e.day)
)
"""
# GROUPING(community_id, placement_id) of each grouping above
HOUR_BUCKET, GROUP_DAY_BUCKET, CAMPAIGN_DAY_BUCKET = 0, 1, 3

HOURLY_SQL = """
INSERT INTO {hourly}
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
        SELECT placement_id, hour, impressions, reach, clicks, 0 AS orders, 0 AS conversions
        FROM ads_rollup_buckets WHERE level = %(hour_bucket)s
        UNION ALL
        -- orders are few: read straight from the (name, occurred_at) index
        SELECT e.subject_id, date_trunc('hour', e.occurred_at), 0, 0, 0,
               count(DISTINCT e.properties->>'order_id')
                   FILTER (WHERE e.name = 'ad_order_placed'),
               count(DISTINCT e.properties->>'order_id')
                   FILTER (WHERE e.name = 'ad_order_paid')
        FROM {event} e
        WHERE e.name IN ('ad_order_placed', 'ad_order_paid')
          AND e.subject_type = %(subject_type)s AND ({ranges})
        GROUP BY 1, 2
    ) u
    GROUP BY 1, 2
) b
JOIN {placement} p ON p.id = b.placement_id
JOIN {campaign} c ON c.id = p.campaign_id
"""

# The day's sums from the hours just rebuilt, per community and for all communities (row 0);
# its reach from the day buckets (distinct viewers of the day, never a sum of hours).
DAILY_SQL = """
INSERT INTO {daily}
    (campaign_id, community_id, day, impressions, reach, clicks, orders, conversions, spend)
SELECT s.campaign_id, s.community_id, s.day, s.impressions, coalesce(r.reach, 0), s.clicks,
       s.orders, s.conversions, s.spend
FROM (
    SELECT h.campaign_id,
           CASE WHEN GROUPING(h.community_id) = 1 THEN 0 ELSE h.community_id END AS community_id,
           h.day, sum(h.impressions) AS impressions, sum(h.clicks) AS clicks,
           sum(h.orders) AS orders, sum(h.conversions) AS conversions, sum(h.spend) AS spend
    FROM (
        SELECT campaign_id, community_id, (hour AT TIME ZONE %(tz)s)::date AS day, impressions,
               clicks, orders, conversions, spend
        FROM {hourly} WHERE hour = ANY(%(hours)s)
    ) h
    GROUP BY GROUPING SETS ((h.campaign_id, h.community_id, h.day), (h.campaign_id, h.day))
) s
LEFT JOIN ads_rollup_buckets r
    ON r.level IN (%(group_day_bucket)s, %(campaign_day_bucket)s)
   AND r.campaign_id = s.campaign_id AND r.community_id = s.community_id AND r.day = s.day
"""


@dataclass(frozen=True)
class RollupResult:
    hours: int
    days: int
    campaigns: int
    ledger_rows: int


def _touched_hours(cursor: object, *, after_id: int, upto_id: int) -> list[datetime]:
    cursor.execute(  # type: ignore[attr-defined]
        _sql(
            """
        SELECT DISTINCT date_trunc('hour', occurred_at) FROM {event}
        WHERE id > %s AND id <= %s AND name = ANY(%s) AND subject_type = %s
        """
        ),
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
        advisory_lock(LockSpace.ADS_ROLLUP)
        # BUCKETS_SQL sorts the rebuilt days' rows (≈36 MB per process for a million) and each
        # day's viewers of a campaign: with the default 4 MB both go to temp files. For this
        # transaction only.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        state, _created = RollupState.objects.select_for_update().get_or_create(name="hourly")
        cursor.execute(_sql("SELECT coalesce(max(id), 0) FROM {event}"))
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
    cursor.execute(_sql("DELETE FROM {hourly} WHERE hour = ANY(%s)"), [hours])  # type: ignore[attr-defined]
    cursor.execute(_sql("DELETE FROM {daily} WHERE day = ANY(%s)"), [days])  # type: ignore[attr-defined]
    tz = timezone.get_current_timezone_name()
    cursor.execute(  # type: ignore[attr-defined]
        _sql(BUCKETS_SQL, ranges=where), {"subject_type": SUBJECT_TYPE, "tz": tz, **params}
    )
    cursor.execute(  # type: ignore[attr-defined]
        _sql(HOURLY_SQL, ranges=where),
        {"subject_type": SUBJECT_TYPE, "hour_bucket": HOUR_BUCKET, **params},
    )
    cursor.execute(  # type: ignore[attr-defined]
        _sql(DAILY_SQL),
        {
            "tz": tz,
            "hours": hours,
            "group_day_bucket": GROUP_DAY_BUCKET,
            "campaign_day_bucket": CAMPAIGN_DAY_BUCKET,
        },
    )
    cursor.execute("DROP TABLE ads_rollup_buckets")  # type: ignore[attr-defined]
    return hours


def _refresh_spend(cursor: object, hours: list[datetime], now: datetime) -> list[int]:
    """Campaign.spent_total / spent_today from the rollups, for the campaigns with buckets in the
    rebuilt hours (an untouched campaign's numbers cannot have changed)."""
    if not hours:
        return []
    today = timezone.localdate(now)
    ((day_start, _end),) = _local_day_bounds([today])
    cursor.execute(  # type: ignore[attr-defined]
        _sql(
            """
        UPDATE {campaign} c
        SET spent_total = s.total, spent_today = s.today, spent_on = %(today)s
        FROM (
            SELECT campaign_id, sum(spend) AS total,
                   coalesce(sum(spend) FILTER (WHERE hour >= %(day_start)s), 0) AS today
            FROM {hourly}
            WHERE campaign_id IN (
                SELECT DISTINCT p.campaign_id FROM {hourly} h
                JOIN {placement} p ON p.id = h.placement_id WHERE h.hour = ANY(%(hours)s))
            GROUP BY campaign_id
        ) s
        WHERE c.id = s.campaign_id
        RETURNING c.id
        """
        ),
        {"today": today, "day_start": day_start, "hours": hours},
    )
    return sorted(row[0] for row in cursor.fetchall())  # type: ignore[attr-defined]


def _accrue_leader_shares(cursor: object, days: list[date]) -> int:
    tz = timezone.get_current_timezone_name()
    cursor.execute(  # type: ignore[attr-defined]
        _sql(
            """
        SELECT p.id, p.leader_id, p.revenue_share,
               (h.hour AT TIME ZONE %(tz)s)::date AS day, sum(h.spend)
        FROM {hourly} h JOIN {placement} p ON p.id = h.placement_id
        WHERE (h.hour AT TIME ZONE %(tz)s)::date = ANY(%(days)s)
        GROUP BY 1, 2, 3, 4
        """
        ),
        {"tz": tz, "days": days},
    )
    targets = cursor.fetchall()  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        _sql(
            """
        SELECT split_part(reference, ':', 2)::bigint, split_part(reference, ':', 3)::date,
               sum(amount), count(*)
        FROM {ledger}
        WHERE kind = 'ad_share' AND reference LIKE 'ads:%%'
          AND split_part(reference, ':', 3)::date = ANY(%(days)s)
        GROUP BY 1, 2
        """
        ),
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
