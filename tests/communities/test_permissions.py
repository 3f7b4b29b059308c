"""A member cannot do an admin's action, nor an outsider anything, by calling a page or the API
directly: 403 or 404, and nothing changes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.communities.models import (
    Announcement,
    Community,
    GroupTodo,
    Invite,
    Membership,
    ModerationWord,
)
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db
Role = Membership.Role


def web(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: object) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def snapshot(community: Community) -> tuple[object, ...]:
    community.refresh_from_db()
    return (
        community.name,
        community.anti_harassment,
        community.dissolved_at,
        Announcement.objects.filter(community=community).count(),
        GroupTodo.objects.filter(community=community).count(),
        ModerationWord.objects.filter(community=community).count(),
        tuple(
            Membership.objects.filter(community=community)
            .order_by("pk")
            .values_list("role", "left_at")
        ),
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("leader_announcements", {"body": "群公告"}),
        ("leader_todos", {"title": "待办", "due_at": "2099-01-01T10:00"}),
        ("leader_moderation", {"word": "广告"}),
        ("leader_settings", {"action": "settings", "anti_harassment": "on"}),
        ("leader_settings", {"action": "rename", "name": "新名"}),
        ("leader_settings", {"action": "dissolve"}),
        ("leader_members", {"action": "remove", "membership": "VICTIM"}),
        ("leader_members", {"action": "promote", "membership": "VICTIM"}),
    ],
)
def test_pages_refuse_members_with_403_and_outsiders_with_404(
    name: str, data: dict[str, str]
) -> None:
    community = CommunityFactory()
    plain = member_of(community)
    victim = Membership.objects.get(community=community, user=member_of(community))
    data = {key: str(victim.pk) if value == "VICTIM" else value for key, value in data.items()}
    url = reverse(f"communities:{name}", args=[community.pk])
    before = snapshot(community)

    assert web(plain).post(url, data).status_code == 403
    assert web(UserFactory()).post(url, data).status_code == 404
    assert web(plain).get(url).status_code == 403
    assert snapshot(community) == before


def test_admins_cannot_do_the_owners_actions_on_the_settings_page() -> None:
    community = CommunityFactory(name="原名")
    admin = member_of(community, role=Role.ADMIN)
    url = reverse("communities:leader_settings", args=[community.pk])

    web(admin).post(url, {"action": "rename", "name": "新名"})
    web(admin).post(url, {"action": "dissolve"})

    community.refresh_from_db()
    assert community.name == "原名" and community.dissolved_at is None


def test_the_api_refuses_members_with_403_and_outsiders_with_404() -> None:
    community = CommunityFactory()
    plain = member_of(community)
    victim = Membership.objects.get(community=community, user=member_of(community))
    base = f"/api/v1/communities/{community.pk}"
    calls = [
        ("post", f"{base}/announcements/", {"body": "公告"}),
        (
            "post",
            f"{base}/todos/",
            {"title": "x", "due_at": (timezone.now() + timedelta(days=1)).isoformat()},
        ),
        ("post", f"{base}/moderation-words/", {"word": "广告"}),
        ("get", f"{base}/moderation-words/", None),
        ("get", f"{base}/members/", None),
        ("get", f"{base}/join-requests/", None),
        ("get", f"{base}/churn/", None),
        ("post", f"{base}/members/{victim.pk}/promote/", None),
        ("post", f"{base}/members/{victim.pk}/remove/", None),
        ("post", f"{base}/settings/", {"anti_harassment": True}),
        ("post", f"{base}/rename/", {"name": "新名"}),
        ("post", f"{base}/dissolve/", None),
        ("post", f"{base}/transfer/", {"new_owner": plain.pk}),
    ]
    before = snapshot(community)

    for method, url, body in calls:
        as_member = getattr(api(plain), method)(url, body, format="json")
        as_outsider = getattr(api(UserFactory()), method)(url, body, format="json")
        assert as_member.status_code == 403, (url, as_member.content)
        assert as_member.json()["code"] == "forbidden"
        assert as_outsider.status_code == 404, (url, as_outsider.content)
    assert snapshot(community) == before


def test_the_api_lets_the_owner_run_the_group() -> None:
    community = CommunityFactory()
    plain = member_of(community)
    victim = Membership.objects.get(community=community, user=plain)
    client = api(community.owner)
    base = f"/api/v1/communities/{community.pk}"

    assert client.post(f"{base}/members/{victim.pk}/promote/").json()["role"] == "admin"
    assert client.post(f"{base}/announcements/", {"body": "欢迎"}, format="json").status_code == 201
    assert client.post(f"{base}/settings/", {"requires_approval": True}, format="json").json()[
        "requires_approval"
    ]
    invite = client.post(f"{base}/invites/", {"days": 1, "max_uses": 2}, format="json").json()
    joined = api(UserFactory()).post(
        "/api/v1/communities/join/", {"code": invite["code"]}, format="json"
    )
    assert joined.status_code == 201 and joined.json()["status"] == "pending"
    pending = client.get(f"{base}/join-requests/").json()["results"]
    approved = client.post(f"{base}/join-requests/{pending[0]['id']}/approve/")
    assert approved.json()["status"] == "approved"
    assert Invite.objects.get(code=invite["code"]).use_count == 1
    listing = client.get("/api/v1/communities/").json()["results"]
    assert [(row["id"], row["my_role"], row["stage"]) for row in listing] == [
        (community.pk, "owner", "cold_start")
    ]
    assert len(client.get(f"{base}/churn/").json()) == 7


def test_the_member_api_list_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: object,
) -> None:
    community = CommunityFactory()
    for _ in range(15):
        member_of(community)
    client = api(community.owner)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(f"/api/v1/communities/{community.pk}/members/", {"activity": "never"})
    assert response.status_code == 200 and response.json()["count"] == 16
