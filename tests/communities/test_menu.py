"""The menu shows the group-running pages only to people who run a group."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import Role
from apps.communities.models import Membership
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db

RUNNING = reverse("chains:leader_chains")


def _menu_of(client: Client, user: object) -> str:
    client.force_login(user)
    return client.get(reverse("memberships:mine")).content.decode()


def test_a_plain_member_sees_only_their_own_pages(client: Client) -> None:
    member = member_of(CommunityFactory())
    page = _menu_of(client, member)
    assert RUNNING not in page
    assert reverse("webhooks:index") not in page
    assert reverse("privacy:mine") in page


@pytest.mark.parametrize("how", ["leader role", "admin", "owner"])
def test_whoever_runs_a_group_sees_its_pages(client: Client, how: str) -> None:
    community = CommunityFactory()
    if how == "leader role":
        user = UserFactory()
        user.groups.add(Group.objects.get(name=Role.LEADER))
    elif how == "admin":
        user = member_of(community, role=Membership.Role.ADMIN)
    else:
        user = community.owner
    page = _menu_of(client, user)
    assert RUNNING in page and reverse("webhooks:index") in page


def test_an_admin_who_left_is_a_plain_member_again(client: Client) -> None:
    community = CommunityFactory()
    admin = member_of(community, role=Membership.Role.ADMIN)
    Membership.objects.filter(user=admin).update(left_at="2026-01-01T00:00:00Z")
    assert RUNNING not in _menu_of(client, admin)
