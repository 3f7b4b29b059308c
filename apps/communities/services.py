from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.events import member_joined
from apps.communities.models import Community, Membership
from apps.core.errors import InvalidInput, PermissionDenied


@transaction.atomic
def community_create(*, owner: User, name: str, kind: str, description: str = "") -> Community:
    """An approved leader opens a community and becomes its owner."""
    from apps.communities.leaders import is_leader

    if not is_leader(owner):
        raise PermissionDenied(_("通过团长申请后才能建群"))
    if not name.strip():
        raise InvalidInput(_("请填写群名称"), field="name")
    if kind not in Community.Kind.values:
        raise InvalidInput(_("请选择群类型"), field="kind")
    community = Community.objects.create(
        owner=owner, name=name.strip(), kind=kind, description=description.strip()
    )
    Membership.objects.create(community=community, user=owner, role=Membership.Role.OWNER)
    return community


def community_member_add(
    *, community: Community, user: User, role: str = Membership.Role.MEMBER, nickname: str = ""
) -> Membership:
    """Add a person to a group, or bring a member who left back (the same row, history kept)."""
    membership, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": role, "nickname": nickname}
    )
    if created:
        member_joined.send(sender=Membership, membership=membership)
    elif membership.left_at is not None:
        membership.left_at = None
        membership.save(update_fields=["left_at"])
    return membership
