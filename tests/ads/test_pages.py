"""Pages: the click redirect and pixel, the chain page banner through to an attributed order, the
advertiser's report (only their own), the CSV, and the leader's offers."""

import csv
import io
import re

import pytest
from django.test import Client

from apps.ads.delivery import CLICK, IMPRESSION, ORDER_PAID, ORDER_PLACED, click_path
from apps.ads.models import Creative, Placement
from apps.ads.rollup import ads_rollup
from apps.ads.tokens import click_token_issue, link_signature
from apps.analytics.models import Event
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory, staff_user
from tests.ads.factories import PHONE_UA, running_campaign
from tests.chains.factories import open_chain
from tests.chains.test_pages import form_token, order_data
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone() -> Client:
    return Client(HTTP_USER_AGENT=PHONE_UA)


def test_the_click_goes_only_to_the_creatives_landing_page(phone: Client) -> None:
    setup = running_campaign()
    response = phone.get(click_path(setup.placement.pk) + "?next=https://evil.example.org/")
    assert response.status_code == 302
    assert response["Location"] == "https://brand.example.com/landing"
    assert Event.objects.filter(name=CLICK, subject_id=setup.placement.pk).count() == 1
    assert response.cookies["tg_adclk"].value


def test_forged_or_moved_link_signatures_are_refused(phone: Client) -> None:
    setup = running_campaign()
    other = running_campaign()
    moved = f"/ads/c/{other.placement.pk}/{link_signature(setup.placement.pk)}/"
    forged = f"/ads/c/{setup.placement.pk}/{'x' * 27}/"
    assert phone.get(moved).status_code == 404
    assert phone.get(forged).status_code == 404
    assert not Event.objects.filter(name=CLICK).exists()


def test_a_landing_url_that_is_not_a_web_page_is_never_followed(phone: Client) -> None:
    setup = running_campaign()
    Creative.objects.filter(pk=setup.creative.pk).update(landing_url="javascript:alert(1)")
    assert phone.get(click_path(setup.placement.pk)).status_code == 404


def test_the_view_pixel_records_an_impression_and_answers_a_gif(phone: Client) -> None:
    setup = running_campaign(slot=Placement.Slot.MESSAGE)
    sig = link_signature(setup.placement.pk)
    response = phone.get(f"/ads/p/{setup.placement.pk}/{sig}.gif")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    phone.get(f"/ads/p/{setup.placement.pk}/{sig}.gif")
    billable = list(
        Event.objects.filter(name=IMPRESSION).values_list("properties__billable", flat=True)
    )
    assert billable == [True, False]  # the same viewer again within the window
    assert phone.get(f"/ads/p/{setup.placement.pk}/bad.gif").status_code == 404


def test_banner_click_order_and_payment_are_attributed(phone: Client) -> None:
    chain = open_chain()
    chain.community.kind = "mothers"
    chain.community.save(update_fields=["kind"])
    setup = running_campaign(community=chain.community)
    page = phone.get(f"/c/{chain.chain.slug}/").content.decode()
    match = re.search(r'href="(/ads/c/[^"]+)"', page)
    assert match, "the chain page shows the banner"
    phone.get(match.group(1))
    token = form_token(phone, chain)
    phone.post(f"/c/{chain.chain.slug}/", order_data(chain, token))
    order = Order.objects.get()
    assert order.ad_click_token
    placed = Event.objects.get(name=ORDER_PLACED)
    assert placed.properties["order_id"] == order.pk
    assert placed.subject_id == setup.placement.pk
    impression = Event.objects.filter(name=IMPRESSION).first()
    assert impression is not None and placed.distinct_id == impression.distinct_id
    order_mark_paid(order=order, actor=chain.leader)
    assert Event.objects.filter(name=ORDER_PAID).count() == 1
    ads_rollup()
    owner = setup.advertiser_user
    phone.force_login(owner)
    report = phone.get(f"/ads/reports/{setup.campaign.pk}/").content.decode()
    assert 'id="total-conversions">1<' in report


def test_the_community_page_shows_its_own_slot(phone: Client) -> None:
    setup = running_campaign(slot=Placement.Slot.COMMUNITY_PAGE)
    member = member_of(setup.community)
    phone.force_login(member)
    page = phone.get(f"/communities/{setup.community.pk}/").content.decode()
    assert click_path(setup.placement.pk) in page
    assert Event.objects.get(name=IMPRESSION).distinct_id == str(member.pk)


def test_a_forged_click_token_on_an_order_attributes_nothing(phone: Client) -> None:
    chain = open_chain()
    setup = running_campaign(community=chain.community)
    good = click_token_issue(
        placement_id=setup.placement.pk, campaign_id=setup.campaign.pk, distinct_id="v:x"
    )
    phone.cookies["tg_adclk"] = good[:-3] + "abc"
    phone.post(f"/c/{chain.chain.slug}/", order_data(chain, form_token(phone, chain)))
    assert Order.objects.get().ad_click_token == ""
    assert not Event.objects.filter(name=ORDER_PLACED).exists()


def test_an_advertiser_never_sees_another_advertisers_campaign(client: Client) -> None:
    mine = running_campaign(name="我的计划")
    theirs = running_campaign(name="别人的计划")
    client.force_login(mine.advertiser_user)
    listing = client.get("/ads/reports/").content.decode()
    assert "我的计划" in listing and "别人的计划" not in listing
    assert client.get(f"/ads/reports/{theirs.campaign.pk}/").status_code == 404
    assert client.get(f"/ads/reports/{theirs.campaign.pk}/csv/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/ads/reports/{mine.campaign.pk}/").status_code == 404
    client.force_login(staff_user("operations"))
    assert client.get(f"/ads/reports/{theirs.campaign.pk}/").status_code == 200


def test_the_report_page_and_csv(client: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    setup = running_campaign()
    for n in range(3):
        Event.objects.create(
            name=IMPRESSION,
            occurred_at=setup.campaign.starts_at,
            distinct_id=f"v:{n}",
            community_id=setup.community.pk,
            subject_type="ads.placement",
            subject_id=setup.placement.pk,
            properties={
                "campaign_id": setup.campaign.pk,
                "placement_id": setup.placement.pk,
                "billable": True,
            },
        )
    ads_rollup()
    client.force_login(setup.advertiser_user)
    with django_assert_max_num_queries(14):
        page = client.get(f"/ads/reports/{setup.campaign.pk}/")
    body = page.content.decode()
    assert "<svg" in body and "CPM" in body and 'id="total-cpm">¥10.00<' in body
    response = client.get(f"/ads/reports/{setup.campaign.pk}/csv/")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "日期"
    assert rows[-1][2] == "3"  # total impressions
    assert client.get(f"/ads/reports/{setup.campaign.pk}/?start=2026-13-01").status_code == 400


def test_the_leader_accepts_or_declines_only_their_own_offers(client: Client) -> None:
    setup = running_campaign()
    Placement.objects.filter(pk=setup.placement.pk).update(status=Placement.Status.OFFERED)
    stranger = CommunityFactory().owner
    client.force_login(stranger)
    assert (
        client.post(f"/leader/ads/{setup.placement.pk}/", {"action": "accept"}).status_code == 404
    )
    client.force_login(setup.placement.leader)
    page = client.get("/leader/ads/").content.decode()
    assert setup.creative.title in page and 'value="accept"' in page
    client.post(f"/leader/ads/{setup.placement.pk}/", {"action": "decline"})
    assert Placement.objects.get(pk=setup.placement.pk).status == Placement.Status.DECLINED
    client.post(f"/leader/ads/{setup.placement.pk}/", {"action": "accept"})  # already decided
    assert Placement.objects.get(pk=setup.placement.pk).status == Placement.Status.DECLINED


def test_list_pages_do_not_grow_their_query_count(
    client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    setup = running_campaign()
    leader = setup.placement.leader
    client.force_login(leader)
    client.get("/leader/ads/")  # warm the session and permission caches
    with django_assert_max_num_queries(12) as few:
        client.get("/leader/ads/")
    for _ in range(4):
        running_campaign(community=setup.community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/leader/ads/").content.decode()
    assert page.count('class="item"') == 5

    client.force_login(staff_user("operations"))
    with django_assert_max_num_queries(12) as few:
        client.get("/ads/reports/")
    for _ in range(4):
        running_campaign()
    with django_assert_max_num_queries(len(few.captured_queries)):
        listing = client.get("/ads/reports/").content.decode()
    assert listing.count("/ads/reports/") >= 10
