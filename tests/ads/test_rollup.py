"""The rollup: exactly once under re-runs and late events, reach, ratios from sums, budget alerts
and the leader's share on the ledger."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.ads.delivery import CLICK, IMPRESSION, ORDER_PAID
from apps.ads.models import DailyStat, HourlyStat, Placement
from apps.ads.rollup import ads_rollup
from apps.ads.selectors import Metrics, campaign_report
from apps.analytics.models import Event
from apps.distribution.models import CommissionEntry
from apps.distribution.selectors import ReportFilters, balance_of, report_by_beneficiary
from apps.notifications.models import Notification
from tests.accounts.factories import staff_user
from tests.ads.factories import AdSetup, running_campaign

pytestmark = pytest.mark.django_db


def event(
    setup: AdSetup,
    name: str = IMPRESSION,
    *,
    viewer: str = "v:1",
    at: Any = None,
    billable: bool = True,
    **extra: Any,
) -> Event:
    fixed_id = {"id": extra.pop("id")} if "id" in extra else {}
    return Event.objects.create(
        name=name,
        occurred_at=at or timezone.now(),
        distinct_id=viewer,
        community_id=setup.community.pk,
        subject_type="ads.placement",
        subject_id=setup.placement.pk,
        properties={
            "campaign_id": setup.campaign.pk,
            "placement_id": setup.placement.pk,
            "billable": billable,
            **extra,
        },
        **fixed_id,
    )


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        HourlyStat.objects.order_by("placement_id", "hour").values_list(
            "placement_id", "hour", "impressions", "reach", "clicks", "conversions", "spend"
        )
    )


def totals(setup: AdSetup) -> Metrics:
    return campaign_report(setup.campaign).total


def test_rerunning_changes_nothing() -> None:
    setup = running_campaign()
    for n in range(4):
        event(setup, viewer=f"v:{n}")
    event(setup, viewer="v:0", billable=False)
    event(setup, CLICK, viewer="v:0")
    first = ads_rollup()
    before = snapshot()
    ledger = list(CommissionEntry.objects.values_list("reference", "amount"))
    ads_rollup()
    ads_rollup()
    assert snapshot() == before
    assert list(CommissionEntry.objects.values_list("reference", "amount")) == ledger
    assert first.hours >= 1
    (row,) = HourlyStat.objects.all()
    assert (row.impressions, row.reach, row.clicks) == (4, 4, 1)
    assert row.spend == Decimal("0.04000")


def test_late_events_are_counted_once_whether_backdated_or_committed_late() -> None:
    setup = running_campaign()
    event(setup, viewer="v:a")
    # A transaction takes an id now but commits only after the next rollup has looked.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('analytics_event', 'id'))")
        late_id = cursor.fetchone()[0]
    event(setup, viewer="v:b")
    ads_rollup()
    assert totals(setup).impressions == 2
    event(setup, viewer="v:late", id=late_id)  # below the bookmark, but recent
    three_hours_ago = timezone.now() - timedelta(hours=3)
    event(setup, viewer="v:old", at=three_hours_ago)  # above the bookmark, but in an old hour
    ads_rollup()
    assert totals(setup).impressions == 4
    before = snapshot()
    ads_rollup()
    assert snapshot() == before
    assert sum(row[2] for row in before) == 4


def test_daily_reach_counts_distinct_viewers_not_the_sum_of_hours() -> None:
    setup = running_campaign()
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for hour in (9, 10, 11):
        event(setup, viewer="v:same", at=today.replace(hour=hour))
    event(setup, viewer="v:other", at=today.replace(hour=11))
    ads_rollup(now=today + timedelta(minutes=5))
    assert sum(HourlyStat.objects.values_list("reach", flat=True)) == 4
    daily = DailyStat.objects.get(campaign=setup.campaign, community_id=0, day=today.date())
    assert daily.reach == 2
    assert DailyStat.objects.get(community_id=setup.community.pk, day=today.date()).reach == 2


def test_a_member_of_two_groups_is_one_viewer_of_the_campaign_that_day() -> None:
    first = running_campaign()
    second_group = running_campaign().community
    second = Placement.objects.create(
        campaign=first.campaign,
        creative=first.creative,
        community=second_group,
        leader=second_group.owner,
        slot=first.placement.slot,
        status=Placement.Status.ACCEPTED,
    )
    event(first, viewer="v:both")
    event(first, viewer="v:only-first")
    Event.objects.create(
        name=IMPRESSION,
        occurred_at=timezone.now(),
        distinct_id="v:both",
        community_id=second_group.pk,
        subject_type="ads.placement",
        subject_id=second.pk,
        properties={"campaign_id": first.campaign.pk, "placement_id": second.pk, "billable": True},
    )
    ads_rollup()
    today = timezone.localdate()
    reach = dict(
        DailyStat.objects.filter(campaign=first.campaign, day=today).values_list(
            "community_id", "reach"
        )
    )
    assert reach == {0: 2, first.community.pk: 2, second_group.pk: 1}


def test_ratios_come_from_sums_not_from_averaged_ratios() -> None:
    setup = running_campaign()
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    # Day 1: 100 impressions, 10 clicks (10 %); day 2: 900 impressions, 9 clicks (1 %).
    rows = []
    for day, impressions, clicks in ((yesterday, 100, 10), (today, 900, 9)):
        for n in range(impressions):
            rows.append(_row(setup, IMPRESSION, f"v:{day.day}:{n}", day))
        for n in range(clicks):
            rows.append(_row(setup, CLICK, f"v:{day.day}:{n}", day))
    Event.objects.bulk_create(rows)
    ads_rollup(now=today + timedelta(minutes=5))
    report = campaign_report(setup.campaign, start=yesterday.date(), end=today.date())
    assert [m.ctr for _d, m in report.days] == [Decimal("10.00"), Decimal("1.00")]
    assert report.total.ctr == Decimal("1.90")  # 19 / 1000, not (10 % + 1 %) / 2 = 5.5 %
    assert report.total.cpm == Decimal("10.00")
    assert report.total.spend_yuan == Decimal("10.00")


def _row(setup: AdSetup, name: str, viewer: str, at: Any) -> Event:
    return Event(
        name=name,
        occurred_at=at,
        distinct_id=viewer,
        community_id=setup.community.pk,
        subject_type="ads.placement",
        subject_id=setup.placement.pk,
        properties={
            "campaign_id": setup.campaign.pk,
            "placement_id": setup.placement.pk,
            "billable": True,
        },
    )


def test_conversions_cost_per_action_and_cpc_spend() -> None:
    setup = running_campaign(pricing="cpc", price=Decimal("1.50"))
    for n in range(4):
        event(setup, viewer=f"v:{n}")
    event(setup, CLICK, viewer="v:0")
    event(setup, CLICK, viewer="v:1")
    event(setup, ORDER_PAID, viewer="v:0", order_id=7)
    event(setup, ORDER_PAID, viewer="v:0", order_id=7)  # the same order twice counts once
    ads_rollup()
    total = totals(setup)
    assert (total.clicks, total.conversions, total.spend_yuan) == (2, 1, Decimal("3.00"))
    assert total.cpa == Decimal("3.00")
    assert total.conversion_rate == Decimal("50.00")
    assert total.cpm == Decimal("750.00")  # 3.00 元 over 4 impressions, per thousand


def test_the_leader_share_is_accrued_once_and_topped_up_by_late_events() -> None:
    setup = running_campaign(price=Decimal("12.00"))  # revenue_share 30 %
    for n in range(100):
        event(setup, viewer=f"v:{n}")
    ads_rollup()
    ads_rollup()
    rows = list(CommissionEntry.objects.filter(kind=CommissionEntry.Kind.AD_SHARE))
    assert [r.amount for r in rows] == [Decimal("0.36")]  # 100 × 0.012 × 30 %
    for n in range(100, 150):
        event(setup, viewer=f"v:{n}")
    ads_rollup()
    ads_rollup()
    amounts = sorted(
        CommissionEntry.objects.filter(kind=CommissionEntry.Kind.AD_SHARE).values_list(
            "amount", flat=True
        )
    )
    assert sum(amounts) == Decimal("0.54")  # 150 × 0.012 × 30 %
    assert len(amounts) == 2
    assert balance_of(setup.placement.leader).available == Decimal("0.54")
    # Finance's report counts it in the leader's net for the period.
    (row,) = report_by_beneficiary(
        staff_user("finance"), ReportFilters(beneficiary=setup.placement.leader.username)
    )
    assert (row["ad_share"], row["net"], row["balance"]) == (
        Decimal("0.54"),
        Decimal("0.54"),
        Decimal("0.54"),
    )


def test_the_advertiser_hears_once_at_eighty_percent() -> None:
    setup = running_campaign(total_budget=Decimal("0.10"), daily_budget=Decimal("0.10"))
    for n in range(7):
        event(setup, viewer=f"v:{n}")
    ads_rollup()
    assert not Notification.objects.filter(template="ads_budget_80").exists()
    event(setup, viewer="v:8")
    ads_rollup()
    event(setup, viewer="v:9")
    ads_rollup()
    keys = set(
        Notification.objects.filter(template="ads_budget_80").values_list("dedupe_key", flat=True)
    )
    assert keys == {
        f"ads:budget80:{setup.campaign.pk}:total:{setup.advertiser_user.pk}",
        f"ads:budget80:{setup.campaign.pk}:{timezone.localdate().isoformat()}:"
        f"{setup.advertiser_user.pk}",
    }
    assert all(
        n.recipient_id == setup.advertiser_user.pk
        for n in Notification.objects.filter(template="ads_budget_80")
    )


def _recount(campaign_id: int) -> tuple[dict[Any, tuple[int, int, int]], dict[Any, int]]:
    """The hourly figures and the daily reach recounted in Python from the raw events: what the
    rollup's single sorted pass must equal."""
    placements = {p.pk: p.community_id for p in Placement.objects.filter(campaign_id=campaign_id)}
    hours: dict[Any, list[Any]] = {}
    day_viewers: dict[Any, set[str]] = {}
    events = Event.objects.filter(
        subject_type="ads.placement", subject_id__in=placements, name__in=[IMPRESSION, CLICK]
    )
    for e in events:
        assert e.subject_id is not None
        hour = e.occurred_at.replace(minute=0, second=0, microsecond=0)
        billable = e.properties.get("billable") is True
        bucket = hours.setdefault((e.subject_id, hour), [0, set(), 0])
        if e.name == CLICK:
            bucket[2] += billable
            continue
        bucket[0] += billable
        bucket[1].add(e.distinct_id)
        day = timezone.localtime(e.occurred_at).date()
        for community_id in (placements[e.subject_id], DailyStat.ALL_COMMUNITIES):
            day_viewers.setdefault((community_id, day), set()).add(e.distinct_id)
    hourly = {key: (imps, len(viewers), clicks) for key, (imps, viewers, clicks) in hours.items()}
    return hourly, {key: len(viewers) for key, viewers in day_viewers.items()}


def _rolled_up(campaign_id: int) -> tuple[dict[Any, tuple[int, int, int]], dict[Any, int]]:
    hourly = {
        (p, h): (i, r, c)
        for p, h, i, r, c in HourlyStat.objects.filter(campaign_id=campaign_id).values_list(
            "placement_id", "hour", "impressions", "reach", "clicks"
        )
    }
    daily = {
        (community_id, day): reach
        for community_id, day, reach in DailyStat.objects.filter(
            campaign_id=campaign_id, reach__gt=0
        ).values_list("community_id", "day", "reach")
    }
    return hourly, daily


def test_one_pass_figures_equal_a_recount_after_reruns_and_late_rows() -> None:
    """Hourly figures and daily reach per group and per campaign come from one sorted pass over
    the events; they must equal a plain recount, also after late rows and re-runs. Two slots in
    one group, a second group, viewers in several of them, a click-only viewer and repeat
    views (not billable, but the viewer was reached)."""
    setup = running_campaign()
    other_group = running_campaign().community
    same_group = Placement.objects.create(
        campaign=setup.campaign,
        creative=setup.creative,
        community=setup.community,
        leader=setup.community.owner,
        slot=Placement.Slot.COMMUNITY_PAGE,
        status=Placement.Status.ACCEPTED,
    )
    other = Placement.objects.create(
        campaign=setup.campaign,
        creative=setup.creative,
        community=other_group,
        leader=other_group.owner,
        slot=setup.placement.slot,
        status=Placement.Status.ACCEPTED,
    )
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)

    def seen(placement: Placement, viewer: str, at: Any, name: str = IMPRESSION, **kw: Any) -> None:
        e = event(setup, name, viewer=viewer, at=at, **kw)
        Event.objects.filter(pk=e.pk).update(
            subject_id=placement.pk, community_id=placement.community_id
        )

    for placement in (setup.placement, same_group, other):
        seen(placement, "v:everywhere", noon - timedelta(hours=2))
    seen(setup.placement, "v:everywhere", noon - timedelta(hours=1))
    seen(same_group, "v:two-slots", noon - timedelta(hours=2))
    seen(setup.placement, "v:two-slots", noon - timedelta(minutes=90))
    seen(setup.placement, "v:two-slots", noon - timedelta(minutes=80), billable=False)
    seen(other, "v:clicks-only", noon - timedelta(hours=1), name=CLICK)
    with connection.cursor() as cursor:  # an id taken now, committed after the first run
        cursor.execute("SELECT nextval(pg_get_serial_sequence('analytics_event', 'id'))")
        late_id = cursor.fetchone()[0]
    ads_rollup(now=noon)
    assert _rolled_up(setup.campaign.pk) == _recount(setup.campaign.pk)
    today = noon.date()
    assert _rolled_up(setup.campaign.pk)[1] == {
        (DailyStat.ALL_COMMUNITIES, today): 2,
        (setup.community.pk, today): 2,
        (other_group.pk, today): 1,
    }

    seen(other, "v:two-slots", noon - timedelta(minutes=5), id=late_id)  # below the bookmark
    seen(same_group, "v:backdated", noon - timedelta(days=1))  # above it, in yesterday
    seen(setup.placement, "v:backdated", noon - timedelta(hours=2))
    ads_rollup(now=noon + timedelta(minutes=5))
    after_late_rows = _rolled_up(setup.campaign.pk)
    assert after_late_rows == _recount(setup.campaign.pk)
    assert after_late_rows[1][(DailyStat.ALL_COMMUNITIES, today)] == 3
    assert after_late_rows[1][(other_group.pk, today)] == 2
    assert after_late_rows[1][(setup.community.pk, today - timedelta(days=1))] == 1

    ads_rollup(now=noon + timedelta(minutes=6))
    assert _rolled_up(setup.campaign.pk) == after_late_rows
