"""Announcements keep their history; to-dos are done per member."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.communities import content
from apps.communities.models import Announcement, Membership, TodoDone
from apps.core.errors import InvalidInput, NotFound, PermissionDenied
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


def test_each_edit_is_a_new_version_and_the_latest_is_current() -> None:
    community = CommunityFactory()
    admin = member_of(community, role=Membership.Role.ADMIN)
    content.announcement_post(community=community, actor=community.owner, body="群规 v1")
    content.announcement_post(community=community, actor=admin, body="群规 v2")

    current = content.announcement_current(community)

    assert current is not None and current.body == "群规 v2" and current.author == admin
    assert list(
        Announcement.objects.filter(community=community).values_list("body", flat=True)
    ) == [
        "群规 v2",
        "群规 v1",
    ]
    with pytest.raises(PermissionDenied):
        content.announcement_post(community=community, actor=member_of(community), body="x")
    with pytest.raises(InvalidInput):
        content.announcement_post(community=community, actor=admin, body="  ")


def test_todos_are_ticked_off_per_member() -> None:
    community = CommunityFactory()
    alice, bob = member_of(community), member_of(community)
    todo = content.todo_create(
        community=community,
        actor=community.owner,
        title="周六前确认取货时间",
        due_at=timezone.now() + timedelta(days=2),
    )

    content.todo_mark_done(todo=todo, user=alice)
    content.todo_mark_done(todo=todo, user=alice)
    content.todo_mark_done(todo=todo, user=bob)
    content.todo_mark_done(todo=todo, user=bob, done=False)

    assert list(TodoDone.objects.filter(todo=todo).values_list("user", flat=True)) == [alice.pk]
    with pytest.raises(NotFound):
        content.todo_mark_done(todo=todo, user=UserFactory())
    with pytest.raises(InvalidInput):
        content.todo_create(
            community=community,
            actor=community.owner,
            title="过去的事",
            due_at=timezone.now() - timedelta(hours=1),
        )
