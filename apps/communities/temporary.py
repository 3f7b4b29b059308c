"""Temporary communities (临时群): they dissolve at their end time, and some days later the
personal data of members who belong to no other group is anonymised.

Anonymising clears the account (name, phone, email, WeChat openid, password) and the member's
nicknames, and sends `community_members_anonymised` so the orders app masks the contact name,
phone and note those members left on this group's orders. Amounts and lines stay: the group's
accounts must still add up, but nobody can be identified from them any more.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.anonymise import user_anonymise
from apps.accounts.models import User
from apps.communities.events import community_members_anonymised
from apps.communities.models import Community, Membership
from apps.communities.services import community_dissolve
from apps.core.errors import IllegalTransition


def communities_close_ended(*, now: datetime | None = None) -> int:
    """Dissolve temporary communities whose end time has come (the beat task)."""
    now = now or timezone.now()
    due = list(
        Community.objects.filter(ends_at__lte=now, dissolved_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    closed = 0
    for community_id in due:
        try:
            community_dissolve(community=Community.objects.get(pk=community_id), actor=None)
        except IllegalTransition:
            continue  # its owner dissolved it meanwhile
        closed += 1
    return closed


def communities_anonymise_due(*, now: datetime | None = None) -> int:
    """Anonymise the members of temporary communities dissolved long enough ago (the beat task)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.COMMUNITIES_ANONYMISE_AFTER_DAYS)
    due = list(
        Community.objects.filter(
            ends_at__isnull=False, dissolved_at__lte=cutoff, anonymised_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for community_id in due:
        community_anonymise(community=Community.objects.get(pk=community_id))
    return len(due)


def members_to_anonymise(community: Community) -> list[User]:
    """Members of `community` who belong to no other group still running, other than its owner,
    staff, leaders or anyone else with a role (their accounts are needed for their work)."""
    elsewhere = Membership.objects.filter(
        left_at__isnull=True, community__dissolved_at__isnull=True
    ).exclude(community=community)
    return list(
        User.objects.filter(memberships__community=community, is_staff=False, is_superuser=False)
        .filter(groups__isnull=True)
        .exclude(pk__in=elsewhere.values("user_id"))
        .exclude(pk=community.owner_id)
        .exclude(username__startswith="anonymised-")
        .order_by("pk")
        .distinct()
    )


@transaction.atomic
def community_anonymise(*, community: Community) -> list[User]:
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if locked.anonymised_at is not None:
        return []
    users = members_to_anonymise(locked)
    # Receivers match orders by the phone numbers, so they run before the numbers are cleared.
    community_members_anonymised.send(sender=Community, community=locked, users=users)
    for user in users:
        user_anonymise(user=user)
    Membership.objects.filter(user__in=users).update(nickname="")
    locked.anonymised_at = timezone.now()
    locked.save(update_fields=["anonymised_at", "updated_at"])
    return users
