from django.db import transaction

from apps.accounts.models import User
from apps.communities.models import Community, Membership


@transaction.atomic
def community_create(*, owner: User, name: str, kind: str, description: str = "") -> Community:
    community = Community.objects.create(owner=owner, name=name, kind=kind, description=description)
    Membership.objects.create(community=community, user=owner, role=Membership.Role.OWNER)
    return community


def community_member_add(
    *, community: Community, user: User, role: str = Membership.Role.MEMBER, nickname: str = ""
) -> Membership:
    """Add a person to a group, or bring a member who left back (the same row, history kept)."""
    membership, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": role, "nickname": nickname}
    )
    if not created and membership.left_at is not None:
        membership.left_at = None
        membership.save(update_fields=["left_at"])
    return membership
