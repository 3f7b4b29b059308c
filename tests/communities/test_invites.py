"""Invites: expiry, use limit, the approval queue, the daily join limit, the QR code."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.communities import invites
from apps.communities.events import member_joined
from apps.communities.models import Community, Invite, JoinRequest, Membership
from apps.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


def invite_for(community: Community, **kwargs: Any) -> Invite:
    return invites.invite_create(community=community, actor=community.owner, **kwargs)


def test_a_member_invites_and_a_friend_joins_through_member_add() -> None:
    community = CommunityFactory()
    inviter = member_of(community)
    invite = invites.invite_create(community=community, actor=inviter)
    friend = UserFactory()
    joined: list[Membership] = []

    def receiver(membership: Membership, **kwargs: Any) -> None:
        joined.append(membership)

    member_joined.connect(receiver)
    try:
        membership = invites.invite_redeem(code=invite.code.lower(), user=friend)
    finally:
        member_joined.disconnect(receiver)

    assert isinstance(membership, Membership)
    assert membership.invite == invite and membership.left_at is None
    assert joined == [membership]
    invite.refresh_from_db()
    assert invite.use_count == 1
    with pytest.raises(Conflict, match="已经在这个群里"):
        invites.invite_redeem(code=invite.code, user=friend)


def test_outsiders_cannot_make_invites() -> None:
    with pytest.raises(NotFound):
        invites.invite_create(community=CommunityFactory(), actor=UserFactory())


def test_expired_used_up_and_revoked_invites_refuse() -> None:
    community = CommunityFactory()
    once = invite_for(community, max_uses=1)
    invites.invite_redeem(code=once.code, user=UserFactory())
    with pytest.raises(Conflict) as used_up:
        invites.invite_redeem(code=once.code, user=UserFactory())
    assert used_up.value.code == "invite_used_up"

    expired = invite_for(community)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict) as too_late:
        invites.invite_redeem(code=expired.code, user=UserFactory())
    assert too_late.value.code == "invite_expired"

    revoked = invite_for(community)
    stranger = member_of(community)
    with pytest.raises(PermissionDenied):
        invites.invite_revoke(invite=revoked, actor=stranger)
    invites.invite_revoke(invite=revoked, actor=community.owner)
    with pytest.raises(Conflict) as off:
        invites.invite_redeem(code=revoked.code, user=UserFactory())
    assert off.value.code == "invite_revoked"
    with pytest.raises(NotFound):
        invites.invite_redeem(code="NOSUCHCODE", user=UserFactory())


def test_a_group_that_asks_for_approval_queues_joins() -> None:
    community = CommunityFactory(requires_approval=True)
    admin = member_of(community, role=Membership.Role.ADMIN)
    plain = member_of(community)
    invite = invite_for(community)
    alice, bob = UserFactory(), UserFactory()

    request = invites.invite_redeem(code=invite.code, user=alice)
    again = invites.invite_redeem(code=invite.code, user=alice)
    rejected = invites.invite_redeem(code=invite.code, user=bob)

    assert isinstance(request, JoinRequest) and again == request
    assert not Membership.objects.filter(community=community, user=alice).exists()
    with pytest.raises(PermissionDenied):
        invites.join_request_approve(join_request=request, actor=plain)
    membership = invites.join_request_approve(join_request=request, actor=admin)
    invites.join_request_reject(join_request=rejected, actor=admin)

    assert membership.user == alice and membership.invite == invite
    with pytest.raises(IllegalTransition):
        invites.join_request_reject(join_request=request, actor=admin)
    assert not Membership.objects.filter(community=community, user=bob).exists()
    assert JoinRequest.objects.get(pk=rejected.pk).status == JoinRequest.Status.REJECTED


def test_a_user_joins_at_most_twenty_groups_a_day_through_invites() -> None:
    user = UserFactory()
    for _ in range(invites.MAX_JOINS_PER_DAY):
        invites.invite_redeem(code=invite_for(CommunityFactory()).code, user=user)
    one_more = invite_for(CommunityFactory())

    with pytest.raises(Conflict) as refused:
        invites.invite_redeem(code=one_more.code, user=user)

    assert refused.value.code == "daily_join_limit"
    one_more.refresh_from_db()
    assert one_more.use_count == 0  # a refused join uses nothing
    # A day later the oldest join no longer counts.
    oldest = Membership.objects.filter(user=user).order_by("joined_at")[0]
    Membership.objects.filter(pk=oldest.pk).update(joined_at=timezone.now() - timedelta(hours=25))
    invites.invite_redeem(code=one_more.code, user=user)
    assert Membership.objects.filter(user=user, left_at__isnull=True).count() == 21


def test_the_daily_limit_also_holds_when_a_request_is_approved() -> None:
    user = UserFactory()
    queue = CommunityFactory(requires_approval=True)
    request = invites.invite_redeem(code=invite_for(queue).code, user=user)
    for _ in range(invites.MAX_JOINS_PER_DAY):
        invites.invite_redeem(code=invite_for(CommunityFactory()).code, user=user)

    with pytest.raises(Conflict, match="该用户今天"):
        invites.join_request_approve(join_request=request, actor=queue.owner)
    assert not Membership.objects.filter(community=queue, user=user).exists()


def test_leaving_and_rejoining_starts_a_new_stay_on_the_same_row() -> None:
    community = CommunityFactory()
    user = UserFactory()
    first = invites.invite_redeem(code=invite_for(community).code, user=user)
    Membership.objects.filter(pk=first.pk).update(
        left_at=timezone.now(), joined_at=timezone.now() - timedelta(days=10)
    )

    again = invites.invite_redeem(code=invite_for(community).code, user=user)

    assert isinstance(again, Membership)
    assert again.pk == first.pk and again.left_at is None
    assert again.joined_at > timezone.now() - timedelta(minutes=1)


def test_the_join_page_qr_code_and_code_entry() -> None:
    community = CommunityFactory(name="幸福里团购")
    invite = invite_for(community)
    client = Client()

    page = client.get(reverse("communities:join", args=[invite.code]))
    qr = client.get(reverse("communities:invite_qr", args=[invite.code]))
    anonymous_post = client.post(reverse("communities:join", args=[invite.code]))

    assert page.status_code == 200 and "幸福里团购" in page.content.decode()
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert anonymous_post.status_code == 302
    assert anonymous_post["Location"].startswith("/accounts/phone/?next=/join/")
    assert client.get(reverse("communities:invite_qr", args=["NOPE1234"])).status_code == 404

    user = UserFactory()
    client.force_login(user)
    typed = client.get(reverse("communities:join_by_code"), {"code": invite.code.lower()})
    assert typed["Location"] == reverse("communities:join", args=[invite.code])
    joined = client.post(reverse("communities:join", args=[invite.code]))
    assert joined["Location"] == reverse("communities:community", args=[community.pk])
    assert Membership.objects.filter(community=community, user=user).exists()
