"""The points ledger: append-only, a balance is a sum, expiry first in first out."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Sum
from django.test import RequestFactory
from django.utils import timezone

from apps.core.errors import Conflict
from apps.rewards.models import Coupon, PointsEntry
from apps.rewards.rules import months_before
from apps.rewards.selectors import points_summary
from apps.rewards.services import check_in_record, coupon_exchange_points, points_expire
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db


def earn(community: object, user: object, points: int, days_ago: int) -> PointsEntry:
    """A welcome-gift style earning booked `days_ago` (backdated: the service stamps now)."""
    entry = PointsEntry.objects.create(
        community=community,
        user=user,
        kind=PointsEntry.Kind.EARNED,
        reason=PointsEntry.Reason.WELCOME_GIFT,
        points=points,
        source_key=f"test:{points}:{days_ago}:{user.pk}",
    )
    PointsEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return entry


def spend(community: object, user: object, points: int) -> None:
    PointsEntry.objects.create(
        community=community,
        user=user,
        kind=PointsEntry.Kind.SPENT,
        reason=PointsEntry.Reason.COUPON_EXCHANGE,
        points=-points,
        source_key=f"test-spend:{points}:{user.pk}",
    )


def balance(community: object, user: object) -> int:
    return points_summary(community=community, user=user).balance


def test_the_admin_cannot_add_change_or_delete_ledger_rows() -> None:
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[PointsEntry]
    entry = earn(CommunityFactory(), UserFactory(), 5, 0)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.has_view_permission(request, entry)


def test_the_balance_is_the_sum_of_the_rows_and_the_sign_follows_the_kind() -> None:
    community = CommunityFactory()
    user = join(community)
    check_in_record(community=community, user=user)
    earn(community, user, 20, 1)
    spend(community, user, 7)

    assert balance(community, user) == 14
    assert PointsEntry.objects.aggregate(total=Sum("points"))["total"] == 14
    with pytest.raises(Exception, match="pointsentry_sign_matches_kind"):
        PointsEntry.objects.create(
            community=community,
            user=user,
            kind=PointsEntry.Kind.SPENT,
            reason=PointsEntry.Reason.COUPON_EXCHANGE,
            points=5,
            source_key="wrong-sign",
        )


def test_expiry_takes_the_oldest_points_first_and_a_second_run_does_nothing(
    settings: object,
) -> None:
    settings.REWARDS_POINTS_EXPIRE_MONTHS = 12  # type: ignore[attr-defined]
    community = CommunityFactory()
    user = join(community)
    earn(community, user, 10, 500)  # past the cutoff
    earn(community, user, 8, 400)  # past the cutoff
    earn(community, user, 5, 30)  # recent
    spend(community, user, 12)  # FIFO: all 10 of the oldest and 2 of the 8

    assert points_expire() == 1
    expired = PointsEntry.objects.get(kind=PointsEntry.Kind.EXPIRED)
    assert expired.points == -6  # what is left of the old 18 after 12 were spent
    assert balance(community, user) == 5

    assert points_expire() == 0
    assert PointsEntry.objects.filter(kind=PointsEntry.Kind.EXPIRED).count() == 1


def test_expiry_leaves_members_whose_old_points_were_spent() -> None:
    community = CommunityFactory()
    user = join(community)
    earn(community, user, 10, 500)
    spend(community, user, 10)
    earn(community, user, 3, 1)

    assert points_expire() == 0
    assert balance(community, user) == 3


def test_the_cutoff_is_calendar_months_back() -> None:
    moment = timezone.now().replace(year=2025, month=3, day=31)
    assert months_before(moment, 1).date().isoformat() == "2025-02-28"
    assert months_before(moment, 12).date().isoformat() == "2024-03-31"


def test_a_member_exchanges_points_for_a_coupon_once_they_have_enough() -> None:
    community = CommunityFactory()
    user = join(community)
    template = make_template(community, points_price=10)
    earn(community, user, 6, 1)

    with pytest.raises(Conflict) as refused:
        coupon_exchange_points(template=template, user=user)
    assert refused.value.code == "points_insufficient"
    assert not Coupon.objects.exists()

    earn(community, user, 5, 0)
    coupon = coupon_exchange_points(template=template, user=user)

    assert coupon.owner == user
    assert balance(community, user) == 1
    assert PointsEntry.objects.filter(kind=PointsEntry.Kind.SPENT).get().points == -10


def test_operations_read_the_ledger_in_the_admin(client: Any) -> None:
    community = CommunityFactory()
    user = join(community)
    check_in_record(community=community, user=user)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/rewards/pointsentry/")
    entry = PointsEntry.objects.get()
    detail = client.post(f"/admin/rewards/pointsentry/{entry.pk}/change/", {"points": 999})

    assert listing.status_code == 200
    assert detail.status_code == 403
    entry.refresh_from_db()
    assert entry.points == 1
