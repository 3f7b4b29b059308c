"""The demo's ad story: the milk-powder campaign shows on the mothers' group chain page at most
three times a day to one member, a click leads to an order carrying the click token, and the
brand's report shows CPM, CTR and the conversion. Loading twice adds nothing."""

import re

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.ads.models import Campaign, HourlyStat
from apps.analytics.models import Event
from apps.demo.ads import AD_ORDER_KEY, CAMPAIGN, MAMA_CHAIN_SLUG
from apps.demo.data import demo_data_load
from apps.orders.models import Order
from tests.ads.factories import PHONE_UA

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_end_to_end() -> None:
    demo_data_load()
    before = (Event.objects.count(), HourlyStat.objects.count(), Campaign.objects.count())
    demo_data_load()
    assert (Event.objects.count(), HourlyStat.objects.count(), Campaign.objects.count()) == before

    demo_order = Order.objects.get(submission_token=AD_ORDER_KEY)
    assert demo_order.ad_click_token and demo_order.paid_at is not None

    member = Client(HTTP_USER_AGENT=PHONE_UA)
    banners = []
    for _ in range(4):
        page = member.get(f"/c/{MAMA_CHAIN_SLUG}/").content.decode()
        banners.append(re.search(r'href="(/ads/c/[^"]+)"', page))
    assert [b is not None for b in banners] == [True, True, True, False]

    landing = member.get(banners[0].group(1))  # type: ignore[union-attr]
    assert landing["Location"] == f"/c/{MAMA_CHAIN_SLUG}/"
    chain_page = member.get(landing["Location"]).content.decode()
    item = re.search(r'name="(qty_\d+)"', chain_page)
    point = re.search(r'name="pickup_point"[^>]*>\s*<option value="(\d+)"', chain_page)
    assert item and point
    member.post(
        f"/c/{MAMA_CHAIN_SLUG}/",
        {
            "contact_name": "李妈妈",
            "contact_phone": "13900001234",
            "pickup_point": point.group(1),
            "note": "",
            "token": re.search(r'name="token" value="([^"]+)"', chain_page).group(1),  # type: ignore[union-attr]
            item.group(1): 1,
        },
    )
    order = Order.objects.exclude(submission_token=AD_ORDER_KEY).get(contact_phone="13900001234")
    assert order.ad_click_token

    brand = Client()
    brand.force_login(User.objects.get(username="milk"))
    campaign = Campaign.objects.get(name=CAMPAIGN)
    report = brand.get(f"/ads/reports/{campaign.pk}/").content.decode()
    assert 'id="total-cpm">¥12.00<' in report
    ctr = re.search(r'id="total-ctr">([\d.]+)%<', report)
    assert ctr and 2 <= float(ctr.group(1)) <= 5
    assert 'id="total-conversions">1<' in report
