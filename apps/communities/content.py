"""What the group reads: the announcement (群公告, with its history) and group to-dos (群待办)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.access import membership_require
from apps.communities.models import Announcement, Community, GroupTodo, TodoDone
from apps.communities.moderation import text_check
from apps.communities.selectors import MANAGING_ROLES
from apps.core.errors import Conflict, InvalidInput

MAX_ANNOUNCEMENT = 2000


def _require_open(community: Community) -> None:
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")


@transaction.atomic
def announcement_post(*, community: Community, actor: User, body: str) -> Announcement:
    """The owner or an admin edits the announcement: a new version, the old ones kept."""
    membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    _require_open(community)
    body = body.strip()
    if not body:
        raise InvalidInput(_("请填写公告内容"), field="body")
    if len(body) > MAX_ANNOUNCEMENT:
        raise InvalidInput(_("公告最多 %(max)s 个字") % {"max": MAX_ANNOUNCEMENT}, field="body")
    text_check(text=body, community=community, where="announcement", user=actor, field="body")
    return Announcement.objects.create(community=community, author=actor, body=body)


def announcement_current(community: Community) -> Announcement | None:
    return community.announcements.select_related("author").first()


@transaction.atomic
def todo_create(*, community: Community, actor: User, title: str, due_at: datetime) -> GroupTodo:
    membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    _require_open(community)
    title = title.strip()
    if not title:
        raise InvalidInput(_("请填写待办事项"), field="title")
    if len(title) > 100:
        raise InvalidInput(_("待办事项最多 100 个字"), field="title")
    if due_at <= timezone.now():
        raise InvalidInput(_("截止时间必须在未来"), field="due_at")
    text_check(text=title, community=community, where="todo", user=actor, field="title")
    return GroupTodo.objects.create(
        community=community, created_by=actor, title=title, due_at=due_at
    )


@transaction.atomic
def todo_mark_done(*, todo: GroupTodo, user: User, done: bool = True) -> bool:
    """A member ticks a to-do off (or un-ticks it). Returns whether it is now done."""
    membership_require(community=todo.community, user=user)
    if done:
        TodoDone.objects.get_or_create(todo=todo, user=user)
    else:
        TodoDone.objects.filter(todo=todo, user=user).delete()
    return done
