from django.db.models import QuerySet

from apps.accounts.models import User
from apps.communities.models import Community, Membership

MANAGING_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def communities_managed_by(user: User) -> QuerySet[Community]:
    """Communities where the user is the owner or an admin now."""
    return Community.objects.filter(
        memberships__user=user, memberships__role__in=MANAGING_ROLES, memberships__left_at=None
    ).distinct()


def is_active_member(*, user: User, community: Community) -> bool:
    return Membership.objects.filter(user=user, community=community, left_at=None).exists()
