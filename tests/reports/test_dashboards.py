"""Dashboards and their API: each user sees only their own scope; charts, bands and CSV."""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.models import Event
from apps.analytics.tracking import track
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory
from tests.chains.factories import open_chain
from tests.communities.factories import MembershipFactory
from tests.reports.test_chain_funnel import visit_and_order

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_leader_sees_the_chain_funnel_repurchase_and_churn_with_bands(
    django_assert_max_num_queries: Any,
) -> None:
    setup = open_chain()
    orders = [visit_and_order(Client(), setup, f"1380013{n:04d}") for n in range(3)]
    order_mark_paid(order=orders[0], actor=setup.leader)
    long_ago = timezone.now() - dt.timedelta(days=70)
    for n in range(4):
        MembershipFactory(
            community=setup.community,
            joined_at=long_ago,
            left_at=timezone.now() - dt.timedelta(days=1) if n == 0 else None,
        )
    client = signed_in(setup.leader)

    with django_assert_max_num_queries(45):
        response = client.get("/leader/analytics/")

    assert response.status_code == 200
    page = response.content.decode()
    assert setup.chain.title in page
    assert page.count('role="img"') >= 4  # chain funnel, daily conversion, community, churn…
    assert "接龙常见转化率 8%–15%" in page  # the funnel's band
    assert "低于预警线 0%–30%" in page  # churn's warning band
    assert "复购率" in page
    assert "同期本接龙已付款订单 1 单，来自 1 位买家" in page
    assert "浏览→付款转化率 33.3%" in page
    assert 'href="/leader/analytics/"' in page  # linked from the leader navigation


def test_every_chart_downloads_its_numbers_as_csv() -> None:
    setup = open_chain()
    visit_and_order(Client(), setup, "13800138000")
    client = signed_in(setup.leader)
    for name in ("funnel", "conversion", "community_funnel", "repurchase", "churn", "aov"):
        response = client.get("/leader/analytics/", {"csv": name})
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) >= 2, name
    funnel = list(
        csv.reader(
            io.StringIO(
                client.get("/leader/analytics/", {"csv": "funnel"}).content.decode("utf-8-sig")
            )
        )
    )
    assert [row[:2] for row in funnel[1:4]] == [["浏览接龙", "1"], ["开始填写", "1"], ["下单", "1"]]
    assert client.get("/leader/analytics/", {"csv": "nope"}).status_code == 404


def test_a_leader_never_sees_another_leaders_community_or_chain() -> None:
    mine = open_chain()
    theirs = open_chain()
    client = signed_in(mine.leader)
    assert client.get("/leader/analytics/", {"scope": theirs.community.pk}).status_code == 404
    assert (
        client.get(
            "/leader/analytics/", {"scope": mine.community.pk, "chain": theirs.chain.pk}
        ).status_code
        == 404
    )
    page = client.get("/leader/analytics/").content.decode()
    assert theirs.chain.title not in page or theirs.community.name not in page
    assert theirs.community.name not in page

    stranger = signed_in(UserFactory())
    empty = stranger.get("/leader/analytics/")
    assert empty.status_code == 200
    assert "你还没有管理的群或接龙" in empty.content.decode()
    assert Client().get("/leader/analytics/").status_code == 302  # sign in first


def test_bad_ranges_get_a_clear_message_not_a_500() -> None:
    setup = open_chain()
    client = signed_in(setup.leader)
    backwards = client.get(
        "/leader/analytics/", {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert backwards.status_code == 400
    assert "开始日期不能晚于结束日期" in backwards.content.decode()
    assert client.get("/leader/analytics/", {"date_from": "2020-01-01"}).status_code == 400
    assert client.get("/leader/analytics/", {"date_from": "not-a-date"}).status_code == 400
    assert client.get("/leader/analytics/", {"scope": "x"}).status_code == 400


def test_a_merchant_sees_only_its_own_products() -> None:
    setup = open_chain()
    order = visit_and_order(Client(), setup, "13800138000")
    order_mark_paid(order=order, actor=setup.leader)
    merchant = setup.skus[0].product.merchant
    staff = UserFactory()
    merchant.staff.add(staff)
    other = open_chain().skus[0].product.merchant

    client = signed_in(staff)
    page = client.get("/analytics/merchant/").content.decode()
    assert setup.skus[0].product.title in page
    assert 'role="img"' in page
    assert client.get("/analytics/merchant/", {"scope": other.pk}).status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/analytics/merchant/", {"csv": "products"}).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][:3] == [setup.skus[0].product.title, "1", "1"]
    assert (
        "你还不是任何商家的员工"
        in signed_in(UserFactory()).get("/analytics/merchant/").content.decode()
    )


def test_an_advertiser_sees_only_their_campaigns_and_operations_see_all() -> None:
    from apps.accounts.roles import Role
    from tests.accounts.factories import staff_user
    from tests.ads.factories import running_campaign

    ad = running_campaign()
    rival = running_campaign(name="纸尿裤")
    for n in range(40):
        props = {"campaign_id": ad.campaign.pk, "placement_id": ad.placement.pk, "billable": True}
        track("ad_impression", subject=ad.placement, distinct_id=f"v:{n}", properties=props)
        if n < 2:
            track("ad_click", subject=ad.placement, distinct_id=f"v:{n}", properties=props)

    client = signed_in(ad.advertiser_user)
    page = client.get("/analytics/campaigns/").content.decode()
    assert ad.campaign.name in page
    assert "常见点击率 2%–5%" in page
    assert "点击率 5.0%" in page  # 2 clicks / 40 impressions
    assert client.get("/analytics/campaigns/", {"scope": rival.campaign.pk}).status_code == 404

    operations = signed_in(staff_user(Role.OPERATIONS))
    assert operations.get("/analytics/campaigns/", {"scope": rival.campaign.pk}).status_code == 200
    assert (
        "没有可以查看的广告计划"
        in signed_in(UserFactory()).get("/analytics/campaigns/").content.decode()
    )


# --- API -----------------------------------------------------------------------------------------


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_funnel_endpoint_answers_for_the_users_own_scope_only() -> None:
    setup = open_chain()
    visit_and_order(Client(), setup, "13800138000")
    other = open_chain()
    api = api_for(setup.leader)

    response = api.get(
        "/api/v1/analytics/funnel/",
        {"kind": "chain", "scope": "chain", "scope_id": setup.chain.pk, "dropoffs": 5},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [step["count"] for step in body["steps"]] == [1, 1, 1, 0, 0]
    assert body["steps"][2]["dropoffs"] == ["phone:13800138000"]
    assert body["window_seconds"] == 3 * 86400

    for params in (
        {"kind": "chain", "scope": "chain", "scope_id": other.chain.pk},
        {"kind": "chain", "scope": "community", "scope_id": other.community.pk},
        {"kind": "chain", "scope": "leader", "scope_id": other.leader.pk},
    ):
        assert api.get("/api/v1/analytics/funnel/", params).status_code == 404
    assert (
        api.get(
            "/api/v1/analytics/funnel/",
            {"kind": "chain", "scope": "leader", "scope_id": setup.leader.pk},
        ).status_code
        == 200
    )


def test_the_funnel_endpoint_refuses_bad_queries_with_400() -> None:
    setup = open_chain()
    api = api_for(setup.leader)
    base = {"kind": "chain", "scope": "chain", "scope_id": setup.chain.pk}
    bad = [
        {**base, "kind": "rocket"},
        {**base, "scope": "campaign"},  # a chain funnel is not asked per campaign
        {**base, "window_minutes": 0},
        {**base, "date_from": "2026-11-20", "date_to": "2026-11-01"},
        {**base, "date_from": "2024-01-01", "date_to": "2026-01-01"},
        {**base, "scope_id": "abc"},
    ]
    for params in bad:
        response = api.get("/api/v1/analytics/funnel/", params)
        assert response.status_code == 400, params
        assert response.json()["message"]
    assert APIClient().get("/api/v1/analytics/funnel/", base).status_code in (401, 403)


def test_the_dashboard_endpoints_are_scoped_like_the_pages() -> None:
    setup = open_chain()
    visit_and_order(Client(), setup, "13800138000")
    other = open_chain()
    api = api_for(setup.leader)

    body = api.get("/api/v1/analytics/dashboards/leader/").json()
    assert body["scope_id"] == setup.community.pk
    charts = {chart["name"]: chart for chart in body["charts"]}
    assert charts["funnel"]["rows"][0][:2] == ["浏览接龙", 1]
    assert {"conversion", "repurchase", "churn", "retention", "aov"} <= set(charts)
    assert (
        api.get("/api/v1/analytics/dashboards/leader/", {"scope": other.community.pk}).status_code
        == 404
    )
    assert api.get("/api/v1/analytics/dashboards/merchant/", {"scope": 1}).status_code == 404
    assert api.get("/api/v1/analytics/dashboards/campaigns/").json()["charts"] == []


def test_the_api_is_documented() -> None:
    schema = Client().get("/api/schema/").content.decode()
    assert "/api/v1/analytics/funnel/" in schema
    assert "/api/v1/analytics/dashboards/leader/" in schema


def test_dashboard_events_stay_untouched_by_reading() -> None:
    setup = open_chain()
    visit_and_order(Client(), setup, "13800138000")
    before = Event.objects.count()
    signed_in(setup.leader).get("/leader/analytics/")
    assert Event.objects.count() == before
