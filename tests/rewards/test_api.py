"""The rewards API through DRF's client: a member's check-in, points and coupons; a leader's
coupon templates; and that nobody else can do a leader's part."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.rewards.models import CheckIn, Coupon, CouponTemplate
from apps.rewards.services import check_in_record, coupon_issue
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def template_body(community_id: int, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "community": community_id,
        "name": "满100减20",
        "discount_kind": "fixed",
        "amount_off": "20.00",
        "min_spend": "100.00",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=10)).isoformat(),
        "total_quantity": 10,
    }
    body.update(overrides)
    return body


def test_check_in_then_a_repeat_then_the_balance() -> None:
    community = CommunityFactory()
    client = api(join(community))
    base = f"/api/v1/communities/{community.pk}/rewards"

    first = client.post(f"{base}/check-in/")
    second = client.post(f"{base}/check-in/")

    assert first.status_code == 201
    assert first.json()["summary"] == {"balance": 1, "streak": 1, "checked_in_today": True}
    assert (second.status_code, second.json()["created"]) == (200, False)
    assert CheckIn.objects.count() == 1
    assert client.get(f"{base}/balance/").json()["balance"] == 1
    assert [e["points"] for e in client.get(f"{base}/points/").json()["results"]] == [1]


def test_a_non_member_gets_404_from_the_member_endpoints() -> None:
    community = CommunityFactory()
    client = api(UserFactory())
    base = f"/api/v1/communities/{community.pk}/rewards"
    assert client.post(f"{base}/check-in/").status_code == 404
    assert client.get(f"{base}/balance/").status_code == 404
    assert client.get(f"{base}/leaderboard/").status_code == 404
    assert not CheckIn.objects.exists()


def test_the_leaderboard_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    community = CommunityFactory()
    members = [join(community) for _ in range(15)]
    for member in members:
        check_in_record(community=community, user=member)
    client = api(members[0])

    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/communities/{community.pk}/rewards/leaderboard/?period=all")

    assert response.status_code == 200
    assert len(response.json()) == 15


def test_my_coupons_are_mine_only_in_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    community = CommunityFactory()
    mine, theirs = join(community), join(community)
    template = make_template(community)
    for _ in range(5):
        coupon_issue(template=template, owner=mine, actor=community.owner)
    other = coupon_issue(template=template, owner=theirs, actor=community.owner)
    client = api(mine)

    with django_assert_max_num_queries(5):
        listing = client.get("/api/v1/coupons/?status=available")

    assert listing.json()["count"] == 5
    assert client.get(f"/api/v1/coupons/{other.pk}/").status_code == 404


def test_a_leader_creates_a_template_and_issues_it() -> None:
    community = CommunityFactory()
    member = join(community)
    client = api(community.owner)

    created = client.post("/api/v1/coupon-templates/", template_body(community.pk), format="json")
    assert created.status_code == 201, created.json()
    template_id = created.json()["id"]
    assert created.json()["terms"] == "满¥100.00减¥20.00"

    issued = client.post(
        f"/api/v1/coupon-templates/{template_id}/issue/", {"user": member.pk}, format="json"
    )
    assert issued.status_code == 201
    assert Coupon.objects.get().owner == member
    assert client.get("/api/v1/coupon-templates/").json()["results"][0]["issued_count"] == 1


def test_invalid_terms_are_a_400_with_the_field() -> None:
    community = CommunityFactory()
    response = api(community.owner).post(
        "/api/v1/coupon-templates/",
        template_body(community.pk, discount_kind="percent", amount_off=None),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "percent_off"


def test_a_member_cannot_manage_coupon_templates_through_the_api() -> None:
    community = CommunityFactory()
    template = make_template(community)
    member = join(community)
    client = api(member)

    created = client.post("/api/v1/coupon-templates/", template_body(community.pk), format="json")
    issued = client.post(
        f"/api/v1/coupon-templates/{template.pk}/issue/", {"user": member.pk}, format="json"
    )

    assert created.status_code == 404
    assert issued.status_code == 404
    assert client.get(f"/api/v1/coupon-templates/{template.pk}/").status_code == 404
    assert client.get("/api/v1/coupon-templates/").json()["count"] == 0
    assert CouponTemplate.objects.count() == 1
    assert not Coupon.objects.exists()


def test_the_api_needs_a_login() -> None:
    assert APIClient().get("/api/v1/coupons/").status_code in (401, 403)
