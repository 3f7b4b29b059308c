"""Community writes: creating, roles (one owner, at most 5 admins), joining and leaving, settings.

Every change to roles locks the community row first (`_lock`), so two promotions racing each
other count admins one after the other and the limit holds.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.access import membership_require
from apps.communities.events import community_dissolved, member_joined
from apps.communities.models import MAX_ADMINS, Community, Invite, Membership
from apps.communities.moderation import text_check
from apps.communities.selectors import MANAGING_ROLES
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied

Role = Membership.Role
OWNER_ONLY = (Role.OWNER,)


@transaction.atomic
def community_create(
    *,
    owner: User,
    name: str,
    kind: str,
    description: str = "",
    ends_at: datetime | None = None,
) -> Community:
    """An approved leader opens a community and becomes its owner."""
    from apps.communities.leaders import is_leader

    if not is_leader(owner):
        raise PermissionDenied(_("通过团长申请后才能建群"))
    if not name.strip():
        raise InvalidInput(_("请填写群名称"), field="name")
    if kind not in Community.Kind.values:
        raise InvalidInput(_("请选择群类型"), field="kind")
    _validate_ends_at(ends_at)
    community = Community.objects.create(
        owner=owner,
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        ends_at=ends_at,
    )
    Membership.objects.create(community=community, user=owner, role=Role.OWNER)
    return community


@transaction.atomic
def community_member_add(
    *,
    community: Community,
    user: User,
    role: str = Role.MEMBER,
    nickname: str = "",
    invite: Invite | None = None,
) -> Membership:
    """Add a person to a group, or bring a member who left back (the same row, a new stay)."""
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")
    text_check(text=nickname, community=community, where="nickname", user=user, field="nickname")
    membership, created = Membership.objects.get_or_create(
        community=community,
        user=user,
        defaults={"role": role, "nickname": nickname.strip(), "invite": invite},
    )
    if created:
        member_joined.send(sender=Membership, membership=membership)
    elif membership.left_at is not None:
        membership.left_at = None
        membership.removed_by = None
        membership.joined_at = timezone.now()
        membership.invite = invite
        membership.save(update_fields=["left_at", "removed_by", "joined_at", "invite"])
    return membership


def _lock(community: Community) -> Community:
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if locked.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")
    return locked


def _member(*, community: Community, user: User) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(community=community, user_id=user.pk, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound(_("该成员不在群中"), field="user")
    return membership


def _admin_count(community: Community) -> int:
    return Membership.objects.filter(
        community=community, role=Role.ADMIN, left_at__isnull=True
    ).count()


@transaction.atomic
def membership_promote(*, community: Community, actor: User, user: User) -> Membership:
    """The owner makes a member an admin; a group has at most MAX_ADMINS admins."""
    community = _lock(community)
    membership_require(community=community, user=actor, roles=OWNER_ONLY)
    target = _member(community=community, user=user)
    if target.role == Role.ADMIN:
        return target
    if target.role == Role.OWNER:
        raise InvalidInput(_("群主不需要设为管理员"), field="user")
    if _admin_count(community) >= MAX_ADMINS:
        raise Conflict(_("一个群最多 %(max)s 名管理员") % {"max": MAX_ADMINS}, code="admin_limit")
    target.role = Role.ADMIN
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def membership_demote(*, community: Community, actor: User, user: User) -> Membership:
    community = _lock(community)
    membership_require(community=community, user=actor, roles=OWNER_ONLY)
    target = _member(community=community, user=user)
    if target.role == Role.ADMIN:
        target.role = Role.MEMBER
        target.save(update_fields=["role"])
    return target


@transaction.atomic
def membership_remove(*, community: Community, actor: User, user: User) -> Membership:
    """An admin removes a member (移出群聊); only the owner removes an admin. Orders stay."""
    community = _lock(community)
    acting = membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    target = _member(community=community, user=user)
    if target.role == Role.OWNER:
        raise PermissionDenied(_("不能移出群主"))
    if target.role == Role.ADMIN and acting.role != Role.OWNER:
        raise PermissionDenied(_("只有群主可以移出管理员"))
    return _end_stay(target, removed_by=actor)


@transaction.atomic
def membership_leave(*, community: Community, user: User) -> Membership:
    community = _lock(community)
    target = _member(community=community, user=user)
    if target.role == Role.OWNER:
        raise Conflict(_("群主请先转让群或解散群"), code="owner_cannot_leave")
    return _end_stay(target, removed_by=None)


def _end_stay(membership: Membership, *, removed_by: User | None) -> Membership:
    """Leaving keeps the row (and every order) for the history; the role does not survive it."""
    membership.left_at = timezone.now()
    membership.removed_by = removed_by
    membership.role = Role.MEMBER
    membership.save(update_fields=["left_at", "removed_by", "role"])
    return membership


@transaction.atomic
def membership_nickname_set(*, community: Community, user: User, nickname: str) -> Membership:
    membership = membership_require(community=community, user=user)
    nickname = nickname.strip()
    if len(nickname) > 64:
        raise InvalidInput(_("群昵称最多 64 个字"), field="nickname")
    text_check(text=nickname, community=community, where="nickname", user=user, field="nickname")
    membership.nickname = nickname
    membership.save(update_fields=["nickname"])
    return membership


@transaction.atomic
def community_rename(*, community: Community, actor: User, name: str) -> Community:
    community = _lock(community)
    membership_require(community=community, user=actor, roles=OWNER_ONLY)
    name = name.strip()
    if not name:
        raise InvalidInput(_("请填写群名称"), field="name")
    if len(name) > 64:
        raise InvalidInput(_("群名称最多 64 个字"), field="name")
    community.name = name
    community.save(update_fields=["name", "updated_at"])
    return community


@transaction.atomic
def community_ends_at_set(
    *, community: Community, actor: User, ends_at: datetime | None
) -> Community:
    """The owner makes a group temporary (it dissolves at `ends_at`) or permanent again."""
    community = _lock(community)
    membership_require(community=community, user=actor, roles=OWNER_ONLY)
    _validate_ends_at(ends_at)
    community.ends_at = ends_at
    community.save(update_fields=["ends_at", "updated_at"])
    return community


def _validate_ends_at(ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= timezone.now():
        raise InvalidInput(_("结束时间必须在未来"), field="ends_at")


@transaction.atomic
def community_settings_update(
    *,
    community: Community,
    actor: User,
    requires_approval: bool | None = None,
    anti_harassment: bool | None = None,
) -> Community:
    """The owner or an admin asks for approval to join and switches 防骚扰 on or off."""
    community = _lock(community)
    membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    changed = []
    if requires_approval is not None:
        community.requires_approval = requires_approval
        changed.append("requires_approval")
    if anti_harassment is not None:
        community.anti_harassment = anti_harassment
        changed.append("anti_harassment")
    if changed:
        community.save(update_fields=[*changed, "updated_at"])
    return community


@transaction.atomic
def community_transfer(
    *, community: Community, actor: User, new_owner: User, old_owner_role: str = Role.ADMIN
) -> Community:
    """Hand the group to another member; the old owner stays as an admin or a member."""
    community = _lock(community)
    current = membership_require(community=community, user=actor, roles=OWNER_ONLY)
    if old_owner_role not in (Role.ADMIN, Role.MEMBER):
        raise InvalidInput(_("原群主只能成为管理员或成员"), field="old_owner_role")
    if new_owner.pk == actor.pk:
        raise InvalidInput(_("请选择另一位群成员"), field="new_owner")
    target = _member(community=community, user=new_owner)
    admins_after = _admin_count(community) - (target.role == Role.ADMIN)
    if old_owner_role == Role.ADMIN and admins_after >= MAX_ADMINS:
        raise Conflict(
            _("一个群最多 %(max)s 名管理员，请让原群主成为普通成员") % {"max": MAX_ADMINS},
            code="admin_limit",
        )
    # The old owner steps down first: the database allows one owner per group.
    current.role = old_owner_role
    current.save(update_fields=["role"])
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    community.owner = new_owner
    community.save(update_fields=["owner", "updated_at"])
    return community


@transaction.atomic
def community_dissolve(*, community: Community, actor: User | None) -> Community:
    """The owner dissolves the group (or its end time came). Members and orders keep their
    history; nobody joins any more and its open chains close (community_dissolved)."""
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if actor is not None:
        membership_require(community=locked, user=actor, roles=OWNER_ONLY)
    if locked.dissolved_at is not None:
        raise IllegalTransition(_("这个群已经解散"))
    locked.dissolved_at = timezone.now()
    locked.save(update_fields=["dissolved_at", "updated_at"])
    Invite.objects.filter(community=locked, revoked_at__isnull=True).update(
        revoked_at=locked.dissolved_at
    )
    community_dissolved.send(sender=Community, community=locked)
    return locked
