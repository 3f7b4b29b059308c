"""Funnel: the chain funnel over 5,000,000 events, through the runner and a hand-written query.

Data (made fresh each run, on the database in use, with generate_series): one community with
50 chains and 100,000 orders on them (ORM bulk_create, so every order is a real row the
scope's subquery finds); 1.8 million browsers viewing (3,000,000 chain_viewed, repeat views
among them), 1,200,000 chain_form_started, the orders' order_placed / paid / completed under the
buyer's phone, an alias from each buyer's browser to that phone, and 560,000 unrelated events,
spread over 30 days: 5,000,000 events in all.

Project: apps.reports.definitions.builtin_funnel_run (the generic FunnelRunner: validation,
generated SQL, identity aliases, one pass per person). Baseline: a hand-written single-pass
query for exactly this funnel (literal step names, the scope's chain and order ids read first
and passed as bigint arrays, which PostgreSQL can hash against the bigint column, the step as
one CASE per row, the same backward greedy recurrence), on the same data. Both run for one chain
and for the whole community; the bench checks they give the same counts and medians, and exits
non-zero if not. The last line is the ratio project ÷ baseline (time; lower is better), the
larger of the two.

BENCH_FUNNEL_REUSE=1 runs on the data of the last run on this database instead of making it
again (seeding takes minutes): for repeated runs while working on the runner.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

CHAINS = 50
ORDERS = 100_000
VISITORS = 1_800_000
VIEWS = 3_000_000
FORM_STARTS = 1_200_000
NOISE = 560_000
REPEATS = 2  # each side's best of REPEATS, alternating, so both see the same cache and load
DAYS = 30
REUSE = os.environ.get("BENCH_FUNNEL_REUSE") == "1"
COMMUNITY_NAME = "漏斗压测"


def _existing() -> tuple[Any, list[int], dt.date, dt.date] | None:
    """The last run's community, chains and date range, if its events are there.

    The events go in one transaction after the orders, so one event of the community means they
    all are. The range is the one the data was made for (ending on the day it was made), so a
    later run reads the same events."""
    from apps.analytics.models import Event
    from apps.chains.models import Chain
    from apps.communities.models import Community

    community = Community.objects.filter(name__startswith=COMMUNITY_NAME).order_by("-pk").first()
    if community is None or not Event.objects.filter(community_id=community.pk).exists():
        return None
    chain_ids = list(
        Chain.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)
    )
    made = timezone.localdate(community.created_at)
    return community, chain_ids, made - dt.timedelta(days=DAYS), made


def _setup() -> tuple[Any, list[int], dt.date, dt.date]:
    from django.contrib.auth.models import Group

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.chains.models import Chain, ChainEntry
    from apps.communities.services import community_create
    from apps.orders.models import Order

    stamp = f"{time.time_ns():x}"[-10:]
    leader = User.objects.create_user(username=f"funnel-{stamp}")
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    community = community_create(owner=leader, name=f"{COMMUNITY_NAME} {stamp}", kind="group_buy")
    now = timezone.now()
    chains = Chain.objects.bulk_create(
        Chain(
            community=community,
            leader=leader,
            title=f"压测接龙 {n}",
            status=Chain.Status.OPEN,
            closes_at=now + dt.timedelta(days=3),
            slug=f"f{stamp}{n:02d}",
        )
        for n in range(CHAINS)
    )
    chain_ids = [chain.pk for chain in chains]
    # The buyer of order k is browser v = 12k, whose chain is v % CHAINS; its phone is 13e9 + k.
    phone_base = 13_000_000_000 + (int(stamp, 16) % 900) * 1_000_000
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=DAYS)
    print(f"creating {ORDERS} orders and entries…", flush=True)
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            (
                Order(
                    community=community,
                    status=Order.Status.PAID,
                    subtotal_amount=50,
                    total_amount=50,
                    contact_name="压测",
                    contact_phone=str(phone_base + k),
                    created_at=now,
                )
                for k in range(ORDERS)
            ),
            batch_size=5000,
        )
        ChainEntry.objects.bulk_create(
            (
                ChainEntry(
                    chain_id=chain_ids[(12 * k) % CHAINS],
                    order=order,
                    sequence=k + 1,
                    pickup_code=f"{k:08d}",
                )
                for k, order in enumerate(orders)
            ),
            batch_size=5000,
        )
    order_base = orders[0].pk
    assert orders[-1].pk == order_base + ORDERS - 1, "bulk_create gave non-consecutive ids"
    print("creating 5,000,000 events…", flush=True)
    with connection.cursor() as cursor, transaction.atomic():
        # Browser v first looks at a moment spread over the 30 days (a fixed hash of v).
        first_view = (
            "(%(start)s::timestamptz + ((({v})::bigint * 7919 %% (%(days)s * 86400)) "
            "* interval '1 second'))"
        )
        chain_of = "(%(chains)s::bigint[])[({v} %% %(n_chains)s) + 1]"
        params: dict[str, Any] = {
            "start": start,
            "days": DAYS - 1,
            "chains": chain_ids,
            "n_chains": CHAINS,
            "community": community.pk,
        }
        insert = (
            "INSERT INTO analytics_event (name, occurred_at, distinct_id, community_id, "
            "subject_type, subject_id, properties) "
        )
        view_v = "(g %% %(visitors)s)"
        cursor.execute(
            insert + f"SELECT 'chain_viewed', {first_view.format(v=view_v)} "
            "+ ((g / %(visitors)s) * interval '3 hours'), "
            f"'v:' || {view_v}, %(community)s, 'chains.chain', {chain_of.format(v=view_v)}, '{{}}' "
            "FROM generate_series(0, %(views)s - 1) g",
            {**params, "visitors": VISITORS, "views": VIEWS},
        )
        cursor.execute(
            insert
            + f"SELECT 'chain_form_started', {first_view.format(v='g')} + interval '2 minutes', "
            f"'v:' || g, %(community)s, 'chains.chain', {chain_of.format(v='g')}, '{{}}' "
            "FROM generate_series(0, %(forms)s - 1) g",
            {**params, "forms": FORM_STARTS},
        )
        # Order k: placed 5 minutes after its buyer's first view; 6 in 7 paid an hour later;
        # 2 in 3 of those picked up a day later. (Moduli prime to the chain count, so every
        # chain has paid and picked-up orders.)
        for name, offset, keep in (
            ("order_placed", "5 minutes", "true"),
            ("order_paid", "1 hour", "k %% 7 <> 0"),
            ("order_completed", "1 day", "k %% 7 <> 0 AND k %% 3 <> 0"),
        ):
            cursor.execute(
                insert
                + f"SELECT %(name)s, {first_view.format(v='(12 * k)')} + %(offset)s::interval, "
                "'phone:' || (%(phone)s + k), %(community)s, 'orders.order', %(order)s + k, '{}' "
                f"FROM generate_series(0, %(orders)s - 1) k WHERE {keep}",
                {
                    **params,
                    "name": name,
                    "offset": offset,
                    "phone": phone_base,
                    "order": order_base,
                    "orders": ORDERS,
                },
            )
        cursor.execute(
            "INSERT INTO analytics_personalias (distinct_id, person_id, created_at) "
            "SELECT 'v:' || (12 * k), 'phone:' || (%(phone)s + k), now() "
            "FROM generate_series(0, %(orders)s - 1) k ON CONFLICT DO NOTHING",
            {"phone": phone_base, "orders": ORDERS},
        )
        cursor.execute(
            insert
            + "SELECT 'lesson_completed', %(start)s::timestamptz + (g %% 2592000) * interval "
            "'1 second', 'u:' || (g %% 50000), %(community)s, 'courses.lesson', g %% 500, '{}' "
            "FROM generate_series(0, %(noise)s - 1) g",
            {"start": start, "community": community.pk, "noise": NOISE},
        )
        cursor.execute("ANALYZE analytics_event")
        cursor.execute("ANALYZE analytics_personalias")
        cursor.execute("ANALYZE chains_chainentry")
    today = timezone.localdate()
    return community, chain_ids, today - dt.timedelta(days=DAYS), today


BASELINE = """
WITH ev AS (
  SELECT COALESCE(a.person_id, e.distinct_id) AS person, e.occurred_at AS ts, e.id,
         CASE e.name WHEN 'chain_viewed' THEN 1 WHEN 'chain_form_started' THEN 2
                     WHEN 'order_placed' THEN 3 WHEN 'order_paid' THEN 4 ELSE 5 END AS step
  FROM analytics_event e LEFT JOIN analytics_personalias a ON a.distinct_id = e.distinct_id
  WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s AND e.distinct_id <> ''
    AND ((e.name IN ('chain_viewed', 'chain_form_started') AND e.subject_type = 'chains.chain'
          AND e.subject_id = ANY(%(chains)s::bigint[]))
      OR (e.name IN ('order_placed', 'order_paid', 'order_completed')
          AND e.subject_type = 'orders.order' AND e.subject_id = ANY(%(orders)s::bigint[])))
),
l4 AS (SELECT *, CASE WHEN step = 4 THEN min(ts) FILTER (WHERE step = 5) OVER w END AS h45
       FROM ev WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
l3 AS (SELECT *, CASE WHEN step = 3 THEN min(ts) FILTER (WHERE step = 4) OVER w END AS h34,
                 CASE WHEN step = 3 THEN min(h45) FILTER (WHERE step = 4) OVER w END AS h35
       FROM l4 WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
l2 AS (SELECT *, CASE WHEN step = 2 THEN min(ts) FILTER (WHERE step = 3) OVER w END AS h23,
                 CASE WHEN step = 2 THEN min(h34) FILTER (WHERE step = 3) OVER w END AS h24,
                 CASE WHEN step = 2 THEN min(h35) FILTER (WHERE step = 3) OVER w END AS h25
       FROM l3 WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
l1 AS (SELECT *, min(ts) FILTER (WHERE step = 2) OVER w AS h12,
                 min(h23) FILTER (WHERE step = 2) OVER w AS h13,
                 min(h24) FILTER (WHERE step = 2) OVER w AS h14,
                 min(h25) FILTER (WHERE step = 2) OVER w AS h15
       FROM l2 WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
best AS (
  SELECT DISTINCT ON (person) person, ts, h12, h13, h14, h15,
         1 + COALESCE(h12 <= ts + %(window)s, false)::int
           + COALESCE(h13 <= ts + %(window)s, false)::int
           + COALESCE(h14 <= ts + %(window)s, false)::int
           + COALESCE(h15 <= ts + %(window)s, false)::int AS depth
  FROM l1 WHERE step = 1
  ORDER BY person, depth DESC, ts
)
SELECT count(*), count(*) FILTER (WHERE depth >= 2), count(*) FILTER (WHERE depth >= 3),
       count(*) FILTER (WHERE depth >= 4), count(*) FILTER (WHERE depth >= 5),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h15 - ts))
         FILTER (WHERE depth >= 5)
FROM best
"""


def _baseline(
    chain_filter: str, start: dt.datetime, end: dt.datetime, window: dt.timedelta
) -> tuple[list[int], float | None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM chains_chain WHERE {chain_filter}")
        chains = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT order_id FROM chains_chainentry WHERE chain_id = ANY(%s)", [chains])
        orders = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            BASELINE,
            dict[str, Any](start=start, end=end, window=window, chains=chains, orders=orders),
        )
        row = cursor.fetchone()
    return [int(v) for v in row[:5]], None if row[5] is None else float(row[5])


def _timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run() -> None:
    from apps.reports.definitions import FunnelKind, Scope, ScopeKind, builtin_funnel_run
    from apps.reports.funnel import local_bounds

    existing = _existing() if REUSE else None
    if existing:
        print(f"reusing the data of community {existing[0].pk}", flush=True)
    community, chain_ids, date_from, date_to = existing or _setup()
    start, end = local_bounds(date_from, date_to)
    window = dt.timedelta(days=3)
    cases = [
        ("one chain", Scope(ScopeKind.CHAIN, chain_ids[0]), f"id = {chain_ids[0]}"),
        (
            "whole community",
            Scope(ScopeKind.COMMUNITY, community.pk),
            f"community_id = {community.pk}",
        ),
    ]
    ratios = []
    ok = True
    for label, scope, chain_filter in cases:
        project_times, baseline_times = [], []
        run_baseline = functools.partial(_baseline, chain_filter, start, end, window)
        run_project = functools.partial(
            builtin_funnel_run,
            kind=FunnelKind.CHAIN,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            window=window,
        )
        for _ in range(REPEATS):
            seconds, baseline = _timed(run_baseline)
            baseline_times.append(seconds)
            seconds, project = _timed(run_project)
            project_times.append(seconds)
        same = project.counts() == baseline[0] and project.median_seconds_to_convert == baseline[1]
        ok = ok and same
        ratio = min(project_times) / min(baseline_times)
        ratios.append(ratio)
        print(f"{label}: baseline {min(baseline_times):.2f} s, project {min(project_times):.2f} s")
        print(f"  baseline counts {baseline[0]}, median {baseline[1]} s")
        print(f"  project  counts {project.counts()}, median {project.median_seconds_to_convert} s")
        print(f"  {'agree' if same else 'DIFFER'}; ratio {ratio:.3f}", flush=True)
    if not ok:
        print("the runner and the baseline disagree")
        sys.exit(1)
    print(f"ratio: {max(ratios):.3f}")
