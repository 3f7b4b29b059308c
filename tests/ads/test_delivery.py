"""Serving: targeting, flight, frequency cap, dedupe, bots, budgets and pacing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.ads.delivery import CLICK, IMPRESSION, ad_serve, click_record, pixel_view_record
from apps.ads.models import Campaign, Creative, Placement
from apps.ads.rollup import ads_rollup
from apps.analytics.models import Event
from apps.communities.models import Community
from tests.ads.factories import running_campaign, viewer_request
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db

SLOT = Placement.Slot.CHAIN_BANNER
VIEWER = "a1b2c3d4e5f6a1b2c3d4e5f6"


def serve(setup, cookie: str = VIEWER, **kwargs):  # type: ignore[no-untyped-def]
    return ad_serve(viewer_request(cookie=cookie, **kwargs), community=setup.community, slot=SLOT)


def test_a_matching_group_gets_the_ad_and_one_impression_row() -> None:
    setup = running_campaign()
    served = serve(setup)
    assert served is not None and served.placement == setup.placement
    row = Event.objects.get(name=IMPRESSION)
    assert row.subject_type == "ads.placement" and row.subject_id == setup.placement.pk
    assert row.community_id == setup.community.pk
    assert row.distinct_id == f"v:{VIEWER}"
    assert row.properties == {
        "campaign_id": setup.campaign.pk,
        "placement_id": setup.placement.pk,
        "billable": True,
    }
    assert served.click_url.startswith(f"/ads/c/{setup.placement.pk}/")


def test_targeting_by_kind_and_size() -> None:
    setup = running_campaign(community=CommunityFactory(kind=Community.Kind.WORK))
    assert serve(setup) is None  # a work group is not a mothers' group
    sized = running_campaign(min_members=3, max_members=10)
    assert serve(sized) is None  # the owner alone is one member
    member_of(sized.community)
    member_of(sized.community)
    assert serve(sized) is not None


@pytest.mark.parametrize(
    "change",
    [
        {"status": Campaign.Status.PAUSED},
        {"starts_at": timezone.now() + timedelta(hours=1)},
        {
            "ends_at": timezone.now() - timedelta(minutes=1),
            "starts_at": timezone.now() - timedelta(days=2),
        },
    ],
)
def test_paused_or_out_of_flight_campaigns_do_not_run(change: dict[str, object]) -> None:
    setup = running_campaign()
    Campaign.objects.filter(pk=setup.campaign.pk).update(**change)
    assert serve(setup) is None


def test_unapproved_creatives_and_unaccepted_placements_do_not_run() -> None:
    setup = running_campaign()
    Creative.objects.filter(pk=setup.creative.pk).update(review=Creative.Review.PENDING)
    assert serve(setup) is None
    other = running_campaign()
    Placement.objects.filter(pk=other.placement.pk).update(status=Placement.Status.OFFERED)
    assert serve(other) is None


def test_a_member_sees_a_campaign_at_most_frequency_cap_times_a_day() -> None:
    setup = running_campaign()  # frequency_cap defaults to 3
    shown = [serve(setup) for _ in range(5)]
    assert [s is not None for s in shown] == [True, True, True, False, False]
    assert Event.objects.filter(name=IMPRESSION).count() == 3
    # another member is not capped by the first one's views
    assert serve(setup, cookie="f" * 24) is not None


def test_a_repeat_view_within_the_window_is_recorded_but_not_billable(settings) -> None:  # type: ignore[no-untyped-def]
    setup = running_campaign()
    serve(setup)
    serve(setup)
    assert list(
        Event.objects.filter(name=IMPRESSION)
        .order_by("id")
        .values_list("properties__billable", flat=True)
    ) == [True, False]
    settings.ADS_DEDUPE_SECONDS = 0
    serve(setup)
    assert Event.objects.filter(name=IMPRESSION).last().properties["billable"] is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "agent", ["Mozilla/5.0 (compatible; Baiduspider/2.0)", "curl/8.4.0", "python-requests/2.31", ""]
)
def test_known_bots_are_not_counted(agent: str) -> None:
    setup = running_campaign()
    assert serve(setup, agent=agent) is None
    pixel_view_record(viewer_request(cookie=VIEWER, agent=agent), placement=setup.placement)
    click_record(viewer_request(cookie=VIEWER, agent=agent), placement=setup.placement)
    assert not Event.objects.exists()


def test_clicks_are_never_counted_beyond_a_viewers_impressions() -> None:
    setup = running_campaign()
    request = viewer_request(cookie=VIEWER)
    click_record(request, placement=setup.placement)  # no impression yet
    serve(setup)
    click_record(request, placement=setup.placement)
    click_record(request, placement=setup.placement)  # second click on one impression
    billable = list(
        Event.objects.filter(name=CLICK)
        .order_by("id")
        .values_list("properties__billable", flat=True)
    )
    assert billable == [False, True, False]


def test_delivery_stops_when_the_total_budget_is_spent() -> None:
    # CPM 10 元: each billable impression costs 0.01; a 0.03 budget buys three.
    setup = running_campaign(total_budget=Decimal("0.03"), daily_budget=Decimal("0.03"))
    for n in range(3):
        assert serve(setup, cookie=f"{n:024d}") is not None
    ads_rollup()
    campaign = Campaign.objects.get(pk=setup.campaign.pk)
    assert campaign.spent_total == Decimal("0.03")
    assert serve(setup, cookie="9" * 24) is None


def test_delivery_stops_for_the_day_when_the_daily_budget_is_spent() -> None:
    setup = running_campaign(daily_budget=Decimal("0.02"))
    for n in range(2):
        serve(setup, cookie=f"{n:024d}")
    ads_rollup()
    assert serve(setup, cookie="9" * 24) is None
    # tomorrow the spend of today no longer counts against the daily budget
    Campaign.objects.filter(pk=setup.campaign.pk).update(
        spent_on=timezone.localdate() - timedelta(days=1)
    )
    assert serve(setup, cookie="9" * 24) is not None


def test_even_pacing_holds_back_a_campaign_ahead_of_its_day() -> None:
    setup = running_campaign(pacing=Campaign.Pacing.EVEN, daily_budget=Decimal("480.00"))
    now = timezone.localtime().replace(hour=1, minute=0)
    # At 01:00 even pacing allows 2/24 of the day's budget (one hour elapsed + one hour slack).
    Campaign.objects.filter(pk=setup.campaign.pk).update(
        spent_today=Decimal("41.00"), spent_on=now.date()
    )
    request = viewer_request(cookie=VIEWER)
    assert ad_serve(request, community=setup.community, slot=SLOT, now=now) is None
    Campaign.objects.filter(pk=setup.campaign.pk).update(spent_today=Decimal("39.00"))
    assert ad_serve(request, community=setup.community, slot=SLOT, now=now) is not None


def test_serving_costs_a_fixed_number_of_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    setup = running_campaign()
    for _ in range(5):
        running_campaign(community=setup.community)
    with django_assert_max_num_queries(3):  # placements, viewer's day, one INSERT
        assert serve(setup) is not None
