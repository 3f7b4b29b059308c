"""Invites (邀请链接/邀请码), the approval queue (入群审核) and the daily join limit.

A user joins at most MAX_JOINS_PER_DAY communities through invites in any 24 hours, as WeChat
limits passive joins. The count and the join run under a per-user advisory lock, so two
redemptions at once cannot both take the last place of the day.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.access import membership_require
from apps.communities.models import Community, Invite, JoinRequest, Membership
from apps.communities.selectors import MANAGING_ROLES
from apps.communities.services import community_member_add
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from apps.core.locks import LockSpace, advisory_lock

MAX_JOINS_PER_DAY = 20
MAX_INVITE_DAYS = 30
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud
CODE_LENGTH = 8
Status = JoinRequest.Status


@transaction.atomic
def invite_create(
    *,
    community: Community,
    actor: User,
    expires_in: timedelta = timedelta(days=7),
    max_uses: int | None = None,
) -> Invite:
    """Any member invites (群成员可邀请); where the group asks for it, joining needs approval."""
    membership_require(community=community, user=actor)
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")
    if not timedelta(minutes=5) <= expires_in <= timedelta(days=MAX_INVITE_DAYS):
        raise InvalidInput(
            _("有效期在 5 分钟到 %(days)s 天之间") % {"days": MAX_INVITE_DAYS}, field="expires_in"
        )
    if max_uses is not None and max_uses < 1:
        raise InvalidInput(_("使用次数上限至少为 1"), field="max_uses")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Invite.objects.create(
                    community=community,
                    created_by=actor,
                    code=get_random_string(CODE_LENGTH, CODE_ALPHABET),
                    expires_at=timezone.now() + expires_in,
                    max_uses=max_uses,
                )
        except IntegrityError:
            continue  # a code already taken: draw again
    raise Conflict(_("生成邀请码失败，请重试"))


@transaction.atomic
def invite_revoke(*, invite: Invite, actor: User) -> Invite:
    """The member who made the invite, or the group's owner or admins, switch it off."""
    if invite.created_by_id != actor.pk:
        membership_require(community=invite.community, user=actor, roles=MANAGING_ROLES)
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at", "updated_at"])
    return invite


def invite_by_code(code: str) -> Invite:
    invite = (
        Invite.objects.select_related("community", "created_by")
        .filter(code=code.strip().upper())
        .first()
    )
    if invite is None:
        raise NotFound(_("邀请码无效"), field="code")
    return invite


@transaction.atomic
def invite_redeem(*, code: str, user: User) -> Membership | JoinRequest:
    """Join through an invite, or ask to join where the group requires approval.

    Asking again while a request waits returns that request and uses nothing."""
    invite = invite_by_code(code)
    community = invite.community
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")
    _lock_joins(user)
    if Membership.objects.filter(community=community, user=user, left_at__isnull=True).exists():
        raise Conflict(_("你已经在这个群里了"), code="already_member")
    if community.requires_approval:
        pending = JoinRequest.objects.filter(
            community=community, user=user, status=Status.PENDING
        ).first()
        if pending is not None:
            return pending
        _check_daily_joins(user)
        _use(invite)
        return JoinRequest.objects.create(community=community, user=user, invite=invite)
    _check_daily_joins(user)
    _use(invite)
    return community_member_add(community=community, user=user, invite=invite)


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, actor: User) -> Membership:
    locked = _decide(join_request=join_request, actor=actor)
    _lock_joins(locked.user)
    _check_daily_joins(locked.user, own=False)
    membership = community_member_add(
        community=locked.community, user=locked.user, invite=locked.invite
    )
    _close(locked, actor=actor, status=Status.APPROVED)
    return membership


@transaction.atomic
def join_request_reject(*, join_request: JoinRequest, actor: User) -> JoinRequest:
    locked = _decide(join_request=join_request, actor=actor)
    _close(locked, actor=actor, status=Status.REJECTED)
    return locked


def _decide(*, join_request: JoinRequest, actor: User) -> JoinRequest:
    membership_require(community=join_request.community, user=actor, roles=MANAGING_ROLES)
    locked = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("community", "user", "invite")
        .get(pk=join_request.pk)
    )
    if locked.status != Status.PENDING:
        raise IllegalTransition(_("这条入群申请已经处理过了"))
    return locked


def _close(join_request: JoinRequest, *, actor: User, status: str) -> None:
    join_request.status = status
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


def _lock_joins(user: User) -> None:
    """Serialise one user's joins: the daily count and the join it allows happen together."""
    advisory_lock(LockSpace.COMMUNITY_JOIN, user.pk)


def joins_today(user: User) -> int:
    """Communities the user joined through an invite in the last 24 hours."""
    since = timezone.now() - timedelta(hours=24)
    return Membership.objects.filter(user=user, invite__isnull=False, joined_at__gte=since).count()


def _check_daily_joins(user: User, *, own: bool = True) -> None:
    if joins_today(user) >= MAX_JOINS_PER_DAY:
        message = (
            _("你今天通过邀请加入的群已达 %(max)s 个，请明天再来")
            if own
            else _("该用户今天通过邀请加入的群已达 %(max)s 个，请明天再同意")
        )
        raise Conflict(message % {"max": MAX_JOINS_PER_DAY}, code="daily_join_limit")


def _use(invite: Invite) -> None:
    """Count one use, in one conditional UPDATE so the use limit holds under concurrency."""
    now = timezone.now()
    used = (
        Invite.objects.filter(pk=invite.pk, revoked_at__isnull=True, expires_at__gt=now)
        .filter(Q(max_uses__isnull=True) | Q(use_count__lt=F("max_uses")))
        .update(use_count=F("use_count") + 1, updated_at=now)
    )
    if used:
        return
    current = Invite.objects.get(pk=invite.pk)
    if current.revoked_at is not None:
        raise Conflict(_("这个邀请已作废"), code="invite_revoked")
    if current.expires_at <= now:
        raise Conflict(_("这个邀请已过期"), code="invite_expired")
    raise Conflict(_("这个邀请的使用次数已用完"), code="invite_used_up")
