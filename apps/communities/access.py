"""Who may do what in a community: a person's active membership and its role."""

from collections.abc import Collection

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.models import Community, Membership
from apps.core.errors import NotFound, PermissionDenied

Role = Membership.Role
ANY_ROLE = (Role.OWNER, Role.ADMIN, Role.MEMBER)


def membership_require(
    *, community: Community, user: User, roles: Collection[str] = ANY_ROLE
) -> Membership:
    """The user's active membership with one of `roles`.

    Someone outside the group gets NotFound (the group's existence is not theirs to learn);
    a member without the role gets PermissionDenied.
    """
    membership = Membership.objects.filter(
        community=community, user_id=user.pk, left_at__isnull=True
    ).first()
    if membership is None:
        raise NotFound(_("群不存在或你已不在群中"))
    if membership.role not in roles:
        if tuple(roles) == (Role.OWNER,):
            raise PermissionDenied(_("只有群主可以这样做"))
        raise PermissionDenied(_("只有群主或管理员可以这样做"))
    return membership
