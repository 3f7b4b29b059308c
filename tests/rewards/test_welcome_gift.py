"""The welcome gift: given once to each new member, whatever happens after."""

from decimal import Decimal

import pytest

from apps.communities.models import Membership
from apps.communities.services import community_member_add
from apps.core.errors import PermissionDenied
from apps.rewards.models import Coupon, PointsEntry, WelcomeGift, WelcomeGiftGrant
from apps.rewards.services import welcome_gift_give, welcome_gift_set
from tests.communities.factories import CommunityFactory
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db


def test_a_new_member_gets_the_coupon_and_points_once() -> None:
    community = CommunityFactory()
    template = make_template(community, name="见面礼 立减5元", amount_off=Decimal("5.00"))
    welcome_gift_set(
        community=community, actor=community.owner, coupon_template=template, points=20
    )

    user = join(community)
    membership = Membership.objects.get(community=community, user=user)
    # the signal again, a rejoin after leaving, and a direct call: nothing more is given
    assert welcome_gift_give(membership=membership) is None
    membership.left_at = membership.joined_at
    membership.save(update_fields=["left_at"])
    community_member_add(community=community, user=user)

    grant = WelcomeGiftGrant.objects.get()
    assert (grant.user, grant.points) == (user, 20)
    assert Coupon.objects.get().owner == user
    assert grant.coupon == Coupon.objects.get()
    assert PointsEntry.objects.get(user=user).points == 20
    template.refresh_from_db()
    assert template.issued_count == 1


def test_without_a_gift_nothing_is_given() -> None:
    community = CommunityFactory()
    join(community)
    assert not WelcomeGiftGrant.objects.exists()
    assert not PointsEntry.objects.exists()


def test_when_the_coupons_run_out_new_members_still_get_the_points() -> None:
    community = CommunityFactory()
    template = make_template(community, total_quantity=1)
    welcome_gift_set(community=community, actor=community.owner, coupon_template=template, points=3)

    first, second = join(community), join(community)

    assert Coupon.objects.get().owner == first
    assert WelcomeGiftGrant.objects.get(user=second).coupon is None
    assert PointsEntry.objects.get(user=second).points == 3


def test_only_the_owner_or_an_admin_sets_the_gift() -> None:
    community = CommunityFactory()
    member = join(community)
    with pytest.raises(PermissionDenied):
        welcome_gift_set(community=community, actor=member, coupon_template=None, points=100)
    assert not WelcomeGift.objects.exists()


def test_the_stage_playbook_sees_the_welcome_gift_and_check_ins() -> None:
    from apps.rewards.playbook import has_check_ins, has_welcome_gift
    from apps.rewards.services import check_in_record
    from tests.communities.factories import MembershipFactory

    community = CommunityFactory()
    assert not has_welcome_gift(community) and not has_check_ins(community)
    WelcomeGift.objects.create(community=community, points=10, updated_by=community.owner)
    member = MembershipFactory(community=community).user
    check_in_record(community=community, user=member)
    assert has_welcome_gift(community) and has_check_ins(community)
