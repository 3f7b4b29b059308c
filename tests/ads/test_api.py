"""The read API: an advertiser's campaigns and a campaign's report, scoped to their own."""

import pytest
from rest_framework.test import APIClient

from apps.ads.delivery import ad_serve
from apps.ads.rollup import ads_rollup
from tests.accounts.factories import UserFactory
from tests.ads.factories import running_campaign, viewer_request

pytestmark = pytest.mark.django_db


def test_an_advertiser_lists_only_their_campaigns(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    mine = running_campaign()
    for _ in range(3):
        running_campaign(community=mine.community)
    other = running_campaign()
    api = APIClient()
    api.force_authenticate(mine.advertiser_user)
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/ads/campaigns/")
    assert [row["id"] for row in response.json()["results"]] == [mine.campaign.pk]
    assert api.get(f"/api/v1/ads/campaigns/{other.campaign.pk}/").status_code == 404
    assert api.get(f"/api/v1/ads/campaigns/{other.campaign.pk}/report/").status_code == 404
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get("/api/v1/ads/campaigns/").json()["results"] == []
    assert APIClient().get("/api/v1/ads/campaigns/").status_code in (401, 403)


def test_the_report_endpoint(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    setup = running_campaign()
    for n in range(4):
        ad_serve(viewer_request(cookie=f"{n:024d}"), community=setup.community, slot="chain_banner")
    ads_rollup()
    api = APIClient()
    api.force_authenticate(setup.advertiser_user)
    with django_assert_max_num_queries(8):
        body = api.get(f"/api/v1/ads/campaigns/{setup.campaign.pk}/report/").json()
    assert body["total"]["impressions"] == 4
    assert body["total"]["cpm"] == "10.00"
    assert body["communities"][0]["community_id"] == setup.community.pk
    assert (
        api.get(
            f"/api/v1/ads/campaigns/{setup.campaign.pk}/report/?start=2026-02-02&end=2026-01-01"
        ).status_code
        == 400
    )


def test_the_endpoints_are_in_the_schema() -> None:
    api = APIClient()
    api.force_authenticate(UserFactory(is_staff=True))
    schema = api.get("/api/schema/").content.decode()
    assert "/api/v1/ads/campaigns/" in schema
    assert "/api/v1/ads/campaigns/{id}/report/" in schema
