"""A member applies to be a leader, operations decide, the new leader opens a group."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.roles import Role
from apps.chains.models import PickupPoint
from apps.communities.leaders import (
    is_leader,
    leader_application_approve,
    leader_application_reject,
    leader_application_submit,
)
from apps.communities.models import Community, LeaderApplication, Membership
from apps.communities.services import community_create
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def operations_user():  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.OPERATIONS))
    return user


def apply(user):  # type: ignore[no-untyped-def]
    return leader_application_submit(
        applicant=user,
        name="刘阿姨",
        phone="13811112222",
        neighbourhood="幸福里小区",
        pickup_address="幸福里3号楼便利店",
    )


def test_an_approved_applicant_becomes_a_leader_and_opens_a_group() -> None:
    member = UserFactory()
    application = apply(member)
    assert not is_leader(member)

    leader_application_approve(application=application, reviewer=operations_user())

    assert is_leader(member)
    community = community_create(owner=member, name="幸福里团购群", kind=Community.Kind.GROUP_BUY)
    assert Membership.objects.get(community=community, user=member).role == Membership.Role.OWNER


def test_a_rejection_needs_a_reason_and_can_be_followed_by_a_new_application() -> None:
    member = UserFactory()
    application = apply(member)
    reviewer = operations_user()

    with pytest.raises(InvalidInput, match="原因"):
        leader_application_reject(application=application, reviewer=reviewer, reason=" ")
    leader_application_reject(application=application, reviewer=reviewer, reason="小区已有团长")

    application.refresh_from_db()
    assert application.status == LeaderApplication.Status.REJECTED
    assert not is_leader(member)
    assert apply(member).status == LeaderApplication.Status.PENDING


def test_one_pending_application_at_a_time_and_decisions_are_final() -> None:
    member = UserFactory()
    application = apply(member)
    with pytest.raises(Conflict, match="审核中"):
        apply(member)

    leader_application_approve(application=application, reviewer=operations_user())
    with pytest.raises(IllegalTransition):
        leader_application_reject(application=application, reviewer=operations_user(), reason="x")
    with pytest.raises(Conflict, match="已经是团长"):
        apply(member)


def test_only_operations_decide_and_only_leaders_open_groups() -> None:
    member = UserFactory()
    application = apply(member)

    with pytest.raises(PermissionDenied):
        leader_application_approve(application=application, reviewer=UserFactory(is_staff=True))
    with pytest.raises(PermissionDenied):
        community_create(owner=member, name="我的群", kind=Community.Kind.GROUP_BUY)
    assert Community.objects.count() == 0


def test_the_apply_page_and_the_admin_review(client: Client) -> None:
    member = UserFactory()
    client.force_login(member)
    response = client.post(
        "/leader/apply/",
        {
            "name": "刘阿姨",
            "phone": "138 1111 2222",
            "neighbourhood": "幸福里",
            "pickup_address": "3号楼",
        },
    )
    assert response.status_code == 302
    application = LeaderApplication.objects.get()
    assert application.phone == "13811112222"

    client.force_login(operations_user())
    change_url = f"/admin/communities/leaderapplication/{application.pk}/change/"
    assert client.get(change_url).status_code == 200
    client.post(change_url, {"decision": "approve", "decision_reason": "欢迎"})

    application.refresh_from_db()
    assert application.status == LeaderApplication.Status.APPROVED
    assert is_leader(member)


def test_a_leader_creates_a_group_and_its_pickup_points_through_the_pages(client: Client) -> None:
    leader = UserFactory()
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    client.force_login(leader)

    created = client.post(
        "/leader/communities/", {"name": "幸福里团购群", "kind": "group_buy", "description": ""}
    )
    community = Community.objects.get(owner=leader)
    assert created["Location"] == f"/leader/communities/{community.pk}/pickup-points/"
    client.post(
        created["Location"],
        {"name": "东门", "address": "幸福里东门", "contact": "", "opening_hours": "9-21点"},
    )
    point = PickupPoint.objects.get(community=community)
    client.post(created["Location"], {"toggle": point.pk})
    point.refresh_from_db()
    assert point.active is False


def test_pickup_points_of_another_leaders_group_are_out_of_reach(client: Client) -> None:
    other = CommunityFactory()
    point = PickupPoint.objects.create(community=other, name="x", address="y")
    client.force_login(UserFactory())

    assert client.get(f"/leader/communities/{other.pk}/pickup-points/").status_code == 404
    assert (
        client.post(
            f"/leader/communities/{other.pk}/pickup-points/", {"toggle": point.pk}
        ).status_code
        == 404
    )
    point.refresh_from_db()
    assert point.active is True


def test_a_member_without_approval_cannot_create_a_group_through_the_page(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post("/leader/communities/", {"name": "我的群", "kind": "group_buy"})
    assert response.status_code == 200
    assert "通过团长申请后才能建群" in response.content.decode()
    assert Community.objects.count() == 0
