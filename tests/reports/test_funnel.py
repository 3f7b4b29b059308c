"""The funnel runner: counting where funnels usually go wrong, its validation, its SQL's shape."""

import datetime as dt
import re
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from apps.analytics.models import Event, PersonAlias
from apps.core.errors import InvalidInput
from apps.reports.funnel import (
    FunnelQuery,
    FunnelRunner,
    FunnelStep,
    PropertyEquals,
    SubjectIn,
    funnel_run,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)
_ids = count(1)


def at(hours: float, day: dt.date = DAY) -> dt.datetime:
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone) + dt.timedelta(hours=hours)


def event(name: str, who: str, when: dt.datetime, **properties: Any) -> Event:
    return Event.objects.create(
        name=name,
        distinct_id=who,
        occurred_at=when,
        subject_type="chains.chain",
        subject_id=1,
        properties=properties,
    )


STEPS = (
    FunnelStep("viewed", "浏览"),
    FunnelStep("placed", "下单"),
    FunnelStep("paid", "付款"),
)


def query(
    steps: tuple[FunnelStep, ...] = STEPS,
    *,
    window: dt.timedelta = dt.timedelta(days=1),
    date_from: dt.date = DAY,
    date_to: dt.date = DAY,
    dropoff_limit: int = 0,
) -> FunnelQuery:
    return FunnelQuery(
        steps=steps,
        date_from=date_from,
        date_to=date_to,
        window=window,
        dropoff_limit=dropoff_limit,
    )


def counts(q: FunnelQuery) -> list[int]:
    return funnel_run(q).counts()


def test_counts_conversion_and_medians() -> None:
    for person, paid in (("a", True), ("b", True), ("c", False), ("d", False)):
        event("viewed", person, at(1))
        event("placed", person, at(2))
        if paid:
            event("paid", person, at(4))
    event("viewed", "e", at(3))

    result = funnel_run(query())

    assert result.counts() == [5, 4, 2]
    assert [s.conversion_from_previous for s in result.steps][1:] == [80, 50]
    assert result.overall_conversion == 40
    assert result.steps[1].median_seconds_from_previous == 3600
    assert result.steps[2].median_seconds_from_previous == 7200
    assert result.median_seconds_to_convert == 3 * 3600
    assert [s.dropped for s in result.steps] == [1, 2, 0]


def test_someone_who_finished_every_step_is_never_a_dropoff() -> None:
    # An early abandoned attempt, then a full one: the person converted.
    event("viewed", "a", at(1))
    event("viewed", "a", at(5))
    event("placed", "a", at(6))
    event("paid", "a", at(7))
    # A full conversion, then an extra view that leads nowhere.
    event("viewed", "b", at(1))
    event("placed", "b", at(2))
    event("paid", "b", at(3))
    event("viewed", "b", at(10))

    result = funnel_run(query(dropoff_limit=10))

    assert result.counts() == [2, 2, 2]
    assert all(step.dropoffs == [] for step in result.steps)
    # Times run from the earliest start that got furthest: a took 6 h (from 01:00), b 2 h.
    assert result.median_seconds_to_convert == 4 * 3600


def test_events_out_of_order_are_read_in_time_order() -> None:
    # Stored paid first, viewed last: the ids run against time.
    event("paid", "a", at(3))
    event("placed", "a", at(2))
    event("viewed", "a", at(1))
    # Really out of order in time: paid before placed before viewed does not convert.
    event("paid", "b", at(1))
    event("placed", "b", at(2))
    event("viewed", "b", at(3))

    assert counts(query()) == [2, 1, 1]


def test_repeats_count_once_and_one_event_never_fills_two_steps() -> None:
    for hour in (1, 2, 3):
        event("viewed", "a", at(hour))
    event("placed", "a", at(4))
    event("placed", "a", at(5))
    same = (FunnelStep("viewed", "1"), FunnelStep("viewed", "2"), FunnelStep("viewed", "3"))
    event("viewed", "b", at(1))
    event("viewed", "b", at(2))

    assert counts(query()) == [2, 1, 0]  # a's three views and two orders count once each
    # A funnel of the same event three times needs three distinct events.
    assert counts(query(same)) == [2, 2, 1]


def test_window_is_inclusive_and_measured_from_the_first_step() -> None:
    window = dt.timedelta(hours=2)
    event("viewed", "on_edge", at(1))
    event("placed", "on_edge", at(2))
    event("paid", "on_edge", at(3))  # exactly 2 h after the view
    event("viewed", "late", at(1))
    event("placed", "late", at(2))
    event("paid", "late", at(3) + dt.timedelta(seconds=1))
    # A later start inside the window converts even though the first one did not.
    event("viewed", "second_try", at(1))
    event("viewed", "second_try", at(4))
    event("placed", "second_try", at(4.5))
    event("paid", "second_try", at(5.5))

    assert counts(query(window=window)) == [3, 3, 2]


def test_range_bounds_are_local_days_and_exclude_the_next_midnight() -> None:
    event("viewed", "a", at(0))  # local midnight: inside
    event("placed", "a", at(23.99))
    event("viewed", "b", at(24))  # the next day's midnight: outside
    event("viewed", "c", at(-0.01))  # a moment before: outside

    assert counts(query()) == [1, 1, 0]
    assert counts(query(date_to=DAY + dt.timedelta(days=1))) == [2, 1, 0]


def test_conversion_is_never_above_100_percent() -> None:
    # More payments than views: later steps only count people who did the earlier ones.
    event("viewed", "a", at(1))
    event("placed", "a", at(2))
    for person in "bcdef":
        event("placed", person, at(2))
        event("paid", person, at(3))
    result = funnel_run(query())
    assert result.counts() == [1, 1, 0]
    assert all(
        s.conversion_from_previous is None or s.conversion_from_previous <= 100
        for s in result.steps
    )


def test_identity_aliases_join_a_visitor_to_the_phone_that_ordered() -> None:
    event("viewed", "v:browser", at(1))
    event("placed", "phone:13800000001", at(2))
    event("paid", "phone:13800000001", at(3))
    assert counts(query()) == [1, 0, 0]

    PersonAlias.objects.create(distinct_id="v:browser", person_id="phone:13800000001")
    assert counts(query()) == [1, 1, 1]


def test_anonymous_events_without_an_id_are_ignored() -> None:
    event("viewed", "", at(1))
    event("placed", "", at(2))
    assert counts(query()) == [0, 0, 0]


def test_step_conditions_filter_by_property_and_subject() -> None:
    Event.objects.create(
        name="ad_click",
        distinct_id="a",
        occurred_at=at(1),
        subject_type="ads.placement",
        subject_id=7,
        properties={"campaign_id": 5},
    )
    Event.objects.create(
        name="ad_click",
        distinct_id="b",
        occurred_at=at(1),
        subject_type="ads.placement",
        subject_id=8,
        properties={"campaign_id": 6},
    )
    Event.objects.create(
        name="ad_order",
        distinct_id="a",
        occurred_at=at(2),
        subject_type="ads.placement",
        subject_id=7,
        properties={"campaign_id": 5},
    )
    steps = (
        FunnelStep("ad_click", "点击", (PropertyEquals("campaign_id", 5),)),
        FunnelStep("ad_order", "下单", (SubjectIn("ads.placement", (7,)),)),
    )
    assert counts(query(steps)) == [1, 1]
    steps_other = (
        FunnelStep("ad_click", "点击", (PropertyEquals("campaign_id", 6),)),
        FunnelStep("ad_order", "下单"),
    )
    assert counts(query(steps_other)) == [1, 0]


def test_dropoffs_list_who_stopped_where_most_recent_first() -> None:
    event("viewed", "early", at(1))
    event("viewed", "late", at(5))
    event("viewed", "ordered", at(1))
    event("placed", "ordered", at(2))
    event("viewed", "done", at(1))
    event("placed", "done", at(2))
    event("paid", "done", at(3))

    result = funnel_run(query(dropoff_limit=1))
    assert result.steps[0].dropoffs == ["late"]  # limited to one, the most recent
    assert result.steps[1].dropoffs == ["ordered"]
    assert result.steps[2].dropoffs == []
    assert funnel_run(query(dropoff_limit=10)).steps[0].dropoffs == ["late", "early"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"steps": STEPS[:1]}, "steps"),
        ({"steps": STEPS * 3}, "steps"),
        ({"window": dt.timedelta(seconds=5)}, "window"),
        ({"window": dt.timedelta(days=500)}, "window"),
        ({"date_from": DAY, "date_to": DAY - dt.timedelta(days=1)}, "date_from"),
        ({"date_from": DAY - dt.timedelta(days=400)}, "date_to"),
        ({"date_from": dt.date(1999, 1, 1), "date_to": dt.date(1999, 1, 2)}, "date_from"),
        ({"dropoff_limit": 10_000}, "dropoff_limit"),
    ],
)
def test_validation_rules_refuse_bad_queries_clearly(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        funnel_run(query(**changes))
    assert caught.value.field == field


def test_generated_sql_is_one_pass_over_events_without_a_join_per_step() -> None:
    sql, params = FunnelRunner(query()).to_sql()
    flat = re.sub(r"\s+", " ", sql)
    # The event table is read once; the only join is the identity lookup.
    assert flat.count("FROM analytics_event e") == 1
    assert flat.count(" JOIN ") == 1
    assert "LEFT JOIN analytics_personalias pa ON pa.distinct_id = e.distinct_id" in flat
    # One streaming window per layer (n-1 layers for n steps), all on the same ordering.
    assert flat.count("OVER w") == 3  # h2_3, h1_2, h1_3
    assert flat.count("WINDOW w AS (PARTITION BY person ORDER BY ts DESC, id DESC") == 2
    assert "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING" in flat
    assert "DISTINCT ON (person)" in flat
    # The range and the step names narrow the scan through the indexes: steps without conditions
    # share one arm, and no second list of every name stands beside the OR.
    assert "e.occurred_at >= %s AND e.occurred_at < %s" in flat
    assert "AND ((e.name = ANY(%s)))" in flat
    assert flat.count("ANY(%s)") == 1
    assert ["viewed", "placed", "paid"] in params
    # Each step's name is unique, so a row's step is told by its name alone.
    assert "(e.name = %s) AS s1, (e.name = %s) AS s2, (e.name = %s) AS s3" in flat
    # Values are parameters, never formatted into the SQL.
    assert "viewed" not in flat and "viewed" in params


def test_steps_with_the_same_conditions_share_one_arm_of_the_where() -> None:
    on_chain, on_order = (SubjectIn("chains.chain", (1,)),), (SubjectIn("orders.order", (2, 3)),)
    steps = (
        FunnelStep("viewed", "浏览", on_chain),
        FunnelStep("started", "填写", on_chain),
        FunnelStep("placed", "下单", on_order),
        FunnelStep("paid", "付款", on_order),
    )
    sql, params = FunnelRunner(query(steps)).to_sql()
    flat = re.sub(r"\s+", " ", sql)
    arm = "(e.name = ANY(%s) AND (e.subject_type = %s AND e.subject_id = ANY(%s::bigint[])))"
    assert f"AND ({arm} OR {arm})" in flat
    assert params.count([2, 3]) == 1  # the order ids are sent (and searched) once
    assert ["viewed", "started"] in params and ["placed", "paid"] in params


def test_one_event_in_two_steps_is_told_apart_by_the_conditions() -> None:
    event("ad_click", "a", at(1), campaign_id=5)
    event("ad_click", "a", at(2), campaign_id=6)
    event("ad_click", "b", at(1), campaign_id=6)
    event("ad_click", "b", at(2), campaign_id=5)
    steps = (
        FunnelStep("ad_click", "点击 5", (PropertyEquals("campaign_id", 5),)),
        FunnelStep("ad_click", "点击 6", (PropertyEquals("campaign_id", 6),)),
    )
    sql, _ = FunnelRunner(query(steps)).to_sql()
    flag = "(e.name = %s AND ((e.properties ->> %s) = %s))"
    assert f"{flag} AS s1, {flag} AS s2" in sql  # the name alone would not tell them apart

    assert counts(query(steps)) == [2, 1]  # b clicked 6 before 5, so b did not go on


def test_generated_sql_runs_on_the_indexes(django_assert_max_num_queries: Any) -> None:
    event("viewed", "a", at(1))
    with django_assert_max_num_queries(1):
        funnel_run(query(dropoff_limit=5))
