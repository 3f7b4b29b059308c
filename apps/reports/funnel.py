"""The funnel runner: ordered steps over the event stream, one SQL pass per person.

A funnel is a list of steps (an event name plus conditions) and a conversion window. A person
reaches step k when they did step 1, then step 2, … then step k, in that order (events ordered by
time, then by id), each step a *different* event, all inside the date range and step k no later
than `window` after step 1. Every step-1 event in the range is a possible start; a person counts
at the furthest step any start reaches, and their times come from the earliest such start. So:

- someone who finished every step is never a drop-off, whatever else they did;
- events stored out of order are read in time order;
- repeats do not count twice (a person is counted once per step) and a repeated step-1 event
  cannot let an earlier attempt borrow a later one's window;
- the window is inclusive (exactly `window` later still converts);
- a step's count is never above the previous one, so no conversion is ever above 100 %.

How the SQL does it in one pass (no join per step). For every event row and each pair of steps
k < j, `h{k}_{j}` is the time at which step j is reached when the chain starts at this row as
step k, taking each following step at its earliest possible event (greedy; earliest-first is
optimal, so if any chain fits the window, this one does). Working backwards from the last step,
`h{k}_{j}` is the minimum of `h{k+1}_{j}` over the *strictly later* rows that match step k+1: that
later row's value is non-decreasing in time, so the minimum is the first such row's. Each layer
is a running `min() OVER (PARTITION BY person ORDER BY ts DESC, id DESC ROWS … 1 PRECEDING)`:
one sort of the matched rows by person, n-1 streaming window passes over it, a group by.

Identity: each event's id goes through PersonAlias (a browser's visitor id → the `phone:…` id its
orders carry), so a view and the order that followed it are one person.
"""

# ruff: noqa: S608 - only generated identifiers and step numbers are formatted into the SQL;
# every value (names, ids, dates, the window) goes through query parameters.
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.models import Event, PersonAlias
from apps.core.errors import InvalidInput

MAX_STEPS = 8
MIN_WINDOW = dt.timedelta(minutes=1)
MAX_WINDOW = dt.timedelta(days=400)
MAX_RANGE_DAYS = 366
EARLIEST_DAY = dt.date(2015, 1, 1)
MAX_DROPOFFS = 200


# --- Conditions: what, besides its name, an event must have to match a step ---------------

Sql = tuple[str, list[Any]]  # a piece of SQL and its parameters


class Condition(Protocol):
    """A piece of SQL over the event row `e`, with its parameters."""

    def as_sql(self) -> tuple[str, list[Any]]: ...


@dataclass(frozen=True)
class PropertyEquals(Condition):
    key: str
    value: str | int

    def as_sql(self) -> tuple[str, list[Any]]:
        return "(e.properties ->> %s) = %s", [self.key, str(self.value)]


@dataclass(frozen=True)
class PropertyIn(Condition):
    key: str
    values: tuple[str | int, ...]

    def as_sql(self) -> tuple[str, list[Any]]:
        return "(e.properties ->> %s) = ANY(%s)", [self.key, [str(v) for v in self.values]]


# Id lists are cast to bigint[]: psycopg sends a list of small ints as int2[] or int4[], and
# `bigint = ANY(int4[])` cannot be hashed (the two sides hash differently), so PostgreSQL tests
# each row against the whole list: 25 s for 85,714 rows against a community's 100,000 order ids,
# 0.07 s once cast (bench/README.md, funnel).


@dataclass(frozen=True)
class SubjectIn(Condition):
    """The event is about one of these objects: given ids (an index condition, what the built-in
    funnels use), or the ids a queryset selects (a subquery: no round trip first, but inside the
    OR of steps PostgreSQL cannot use it to drive an index scan)."""

    subject_type: str
    ids: tuple[int, ...] | QuerySet[Any, Any]

    def as_sql(self) -> tuple[str, list[Any]]:
        if isinstance(self.ids, QuerySet):
            sub_sql, sub_params = self.ids.query.sql_with_params()
            return (
                f"e.subject_type = %s AND e.subject_id IN ({sub_sql})",
                [self.subject_type, *sub_params],
            )
        return "e.subject_type = %s AND e.subject_id = ANY(%s::bigint[])", [
            self.subject_type,
            list(self.ids),
        ]


@dataclass(frozen=True)
class CommunityIn(Condition):
    ids: tuple[int, ...] | QuerySet[Any, Any]

    def as_sql(self) -> tuple[str, list[Any]]:
        if isinstance(self.ids, QuerySet):
            sub_sql, sub_params = self.ids.query.sql_with_params()
            return f"e.community_id IN ({sub_sql})", list(sub_params)
        return "e.community_id = ANY(%s::bigint[])", [list(self.ids)]


def conditions_sql(name_sql: str, name_params: list[Any], where: Sequence[Condition]) -> Sql:
    """The event's name test and its conditions, ANDed."""
    parts, params = [name_sql], list(name_params)
    for condition in where:
        sql, condition_params = condition.as_sql()
        parts.append(f"({sql})")
        params.extend(condition_params)
    return " AND ".join(parts), params


@dataclass(frozen=True)
class FunnelStep:
    event: str
    label: str
    where: tuple[Condition, ...] = ()

    def as_sql(self) -> Sql:
        return conditions_sql("e.name = %s", [self.event], self.where)


@dataclass(frozen=True)
class FunnelQuery:
    steps: tuple[FunnelStep, ...]
    date_from: dt.date
    date_to: dt.date  # inclusive, local days
    window: dt.timedelta
    dropoff_limit: int = 0


# --- Results ---------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class StepResult:
    label: str
    event: str
    count: int
    conversion_from_previous: Decimal | None  # percent; None for the first step
    median_seconds_from_previous: float | None
    dropped: int  # reached this step and no further (0 on the last step)
    dropoffs: list[str] = field(default_factory=list)  # person ids, most recent first


@dataclass(frozen=True)
class FunnelResult:
    steps: list[StepResult]
    date_from: dt.date
    date_to: dt.date
    window: dt.timedelta
    # The overall median is not the sum of the step medians, so it is kept apart.
    median_seconds_to_convert: float | None = None

    @property
    def entered(self) -> int:
        return self.steps[0].count if self.steps else 0

    @property
    def converted(self) -> int:
        return self.steps[-1].count if self.steps else 0

    @property
    def overall_conversion(self) -> Decimal | None:
        return percent(self.converted, self.entered)

    def counts(self) -> list[int]:
        return [step.count for step in self.steps]

    def medians(self) -> list[float | None]:
        return [step.median_seconds_from_previous for step in self.steps] + [
            self.median_seconds_to_convert
        ]


# --- Validation: small rules, each one check with its own message ---------------------------

Rule = Callable[[FunnelQuery], None]


def rule_at_least_two_steps(query: FunnelQuery) -> None:
    if len(query.steps) < 2:
        raise InvalidInput(_("漏斗至少需要两个步骤"), field="steps")


def rule_at_most_max_steps(query: FunnelQuery) -> None:
    if len(query.steps) > MAX_STEPS:
        raise InvalidInput(_("漏斗最多 %(n)s 个步骤") % {"n": MAX_STEPS}, field="steps")


def rule_sane_window(query: FunnelQuery) -> None:
    if not MIN_WINDOW <= query.window <= MAX_WINDOW:
        raise InvalidInput(_("转化窗口应在 1 分钟到 400 天之间"), field="window")


def rule_range_in_order(query: FunnelQuery) -> None:
    if query.date_from > query.date_to:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="date_from")


def rule_range_not_absurd(query: FunnelQuery) -> None:
    today = timezone.localdate()
    if (query.date_to - query.date_from).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(_("日期范围最长 366 天"), field="date_to")
    if query.date_from < EARLIEST_DAY or query.date_to > today + dt.timedelta(days=1):
        raise InvalidInput(_("日期超出可查询的范围"), field="date_from")


def rule_sane_dropoff_limit(query: FunnelQuery) -> None:
    if not 0 <= query.dropoff_limit <= MAX_DROPOFFS:
        raise InvalidInput(_("流失名单最多 200 人"), field="dropoff_limit")


FUNNEL_RULES: tuple[Rule, ...] = (
    rule_at_least_two_steps,
    rule_at_most_max_steps,
    rule_sane_window,
    rule_range_in_order,
    rule_range_not_absurd,
    rule_sane_dropoff_limit,
)


def local_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first local midnight, midnight after the last day) in the project's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


# --- The runner ------------------------------------------------------------------------------


def any_step_sql(steps: Sequence[FunnelStep]) -> Sql:
    """The WHERE's OR of steps: one arm per distinct list of conditions, naming its steps' events.

    Steps with the same conditions share an arm (the chain funnel's view and form start are both
    about the scope's chains, its three order steps about the scope's orders), so each index is
    searched once per arm rather than once per step. There is no `e.name = ANY(every name)`
    beside the OR: the planner took it as a second, independent filter and favoured the (name,
    occurred_at) index: for one chain it read every paid order of the range to keep the chain's,
    for a community it walked that index row by row over millions of events (bench/README.md,
    funnel)."""
    arms: list[tuple[tuple[Condition, ...], list[str]]] = []
    for step in steps:
        arm = next((arm for arm in arms if arm[0] == step.where), None)
        if arm is None:
            arms.append((step.where, [step.event]))
        elif step.event not in arm[1]:
            arm[1].append(step.event)
    parts, params = [], []
    for where, events in arms:
        if len(events) == 1:
            sql, arm_params = conditions_sql("e.name = %s", events, where)
        else:
            sql, arm_params = conditions_sql("e.name = ANY(%s)", [events], where)
        parts.append(f"({sql})")
        params.extend(arm_params)
    return " OR ".join(parts), params


def step_flag_sql(step: FunnelStep, steps: Sequence[FunnelStep]) -> Sql:
    """Whether a row that passed the WHERE matches this step.

    A row passes only through an arm that names its event, so when no other step has this
    step's event, the name alone says it: the conditions are not tested a second time (a
    community's order ids are 100,000 long, tested on every row)."""
    if sum(other.event == step.event for other in steps) == 1:
        return "e.name = %s", [step.event]
    return step.as_sql()


class FunnelRunner:
    """Validates a FunnelQuery, writes its SQL, runs it, shapes the result."""

    rules: tuple[Rule, ...] = FUNNEL_RULES

    def __init__(self, query: FunnelQuery) -> None:
        self.query = query

    def validate(self) -> None:
        for rule in self.rules:
            rule(self.query)

    def to_sql(self) -> Sql:
        steps = self.query.steps
        n = len(steps)
        start, end = local_bounds(self.query.date_from, self.query.date_to)
        event_table = Event._meta.db_table
        alias_table = PersonAlias._meta.db_table

        params: list[Any] = []
        flags = []
        for index, step in enumerate(steps):
            sql, flag_params = step_flag_sql(step, steps)
            flags.append(f"({sql}) AS s{index + 1}")
            params.extend(flag_params)
        any_step, any_step_params = any_step_sql(steps)
        matched = (
            f"SELECT COALESCE(pa.person_id, e.distinct_id) AS person, e.occurred_at AS ts, "
            f"e.id AS id, {', '.join(flags)} "
            f"FROM {event_table} e LEFT JOIN {alias_table} pa ON pa.distinct_id = e.distinct_id "
            f"WHERE e.occurred_at >= %s AND e.occurred_at < %s AND e.distinct_id <> '' "
            f"AND ({any_step})"
        )
        params.extend([start, end, *any_step_params])

        window = (
            "WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        )
        ctes = [f"l{n} AS ({matched})"]
        for k in range(n - 1, 0, -1):
            columns = [
                f"CASE WHEN s{k} THEN min(CASE WHEN s{k + 1} THEN ts END) OVER w END "
                f"AS h{k}_{k + 1}"
            ]
            for j in range(k + 2, n + 1):
                columns.append(
                    f"CASE WHEN s{k} THEN min(CASE WHEN s{k + 1} THEN h{k + 1}_{j} END) OVER w END "
                    f"AS h{k}_{j}"
                )
            ctes.append(f"l{k} AS (SELECT *, {', '.join(columns)} FROM l{k + 1} {window})")

        reached = " + ".join(
            f"(h1_{j} IS NOT NULL AND h1_{j} <= ts + %s)::int" for j in range(2, n + 1)
        )
        params.extend([self.query.window] * (n - 1))
        h_columns = ", ".join(f"h1_{j}" for j in range(2, n + 1))
        ctes.append(
            f"starts AS (SELECT person, ts, {h_columns}, 1 + {reached} AS depth FROM l1 WHERE s1)"
        )
        ctes.append(
            f"persons AS{' MATERIALIZED' if self.query.dropoff_limit else ''} "
            f"(SELECT DISTINCT ON (person) person, depth, ts, {h_columns} FROM starts "
            f"ORDER BY person, depth DESC, ts ASC)"
        )

        aggregates = [f"count(*) FILTER (WHERE depth >= {k}) AS c{k}" for k in range(1, n + 1)]
        for j in range(2, n + 1):
            previous = "ts" if j == 2 else f"h1_{j - 1}"
            aggregates.append(
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM h1_{j} - "
                f"{previous})) FILTER (WHERE depth >= {j}) AS m{j}"
            )
        aggregates.append(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM h1_{n} - ts)) "
            f"FILTER (WHERE depth >= {n}) AS m_total"
        )
        if self.query.dropoff_limit:
            aggregates.append(
                "(SELECT COALESCE(json_agg(json_build_array(d.depth, d.person) "
                "ORDER BY d.depth, d.rank), '[]') FROM (SELECT depth, person, row_number() OVER "
                "(PARTITION BY depth ORDER BY ts DESC, person) AS rank FROM persons "
                f"WHERE depth < {n}) d WHERE d.rank <= %s) AS dropoffs"
            )
            params.append(self.query.dropoff_limit)
        sql = f"WITH {', '.join(ctes)} SELECT {', '.join(aggregates)} FROM persons"
        return sql, params

    def run(self) -> FunnelResult:
        self.validate()
        sql, params = self.to_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return self.result_from_row(row)

    def result_from_row(self, row: Sequence[Any]) -> FunnelResult:
        n = len(self.query.steps)
        counts = [int(value) for value in row[:n]]
        medians = [None, *[None if v is None else float(v) for v in row[n : 2 * n - 1]]]
        median_total = None if row[2 * n - 1] is None else float(row[2 * n - 1])
        dropoffs: dict[int, list[str]] = {}
        if self.query.dropoff_limit:
            for depth, person in row[2 * n]:
                dropoffs.setdefault(int(depth), []).append(str(person))
        return funnel_result(
            query=self.query,
            counts=counts,
            medians=medians,
            median_total=median_total,
            dropoffs=dropoffs,
        )


def funnel_result(
    *,
    query: FunnelQuery,
    counts: list[int],
    medians: list[float | None],
    median_total: float | None,
    dropoffs: dict[int, list[str]] | None = None,
) -> FunnelResult:
    """Shape raw counts (from SQL or a snapshot) into a FunnelResult."""
    steps = []
    for index, step in enumerate(query.steps):
        count = counts[index]
        following = counts[index + 1] if index + 1 < len(counts) else count
        steps.append(
            StepResult(
                label=step.label,
                event=step.event,
                count=count,
                conversion_from_previous=percent(count, counts[index - 1]) if index else None,
                median_seconds_from_previous=medians[index],
                dropped=count - following,
                dropoffs=(dropoffs or {}).get(index + 1, []),
            )
        )
    return FunnelResult(
        steps=steps,
        date_from=query.date_from,
        date_to=query.date_to,
        window=query.window,
        median_seconds_to_convert=median_total,
    )


def funnel_run(query: FunnelQuery) -> FunnelResult:
    return FunnelRunner(query).run()
