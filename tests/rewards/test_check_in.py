"""Daily check-in: once a Beijing day, streak points, the leaderboard."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.core.errors import PermissionDenied
from apps.rewards.models import CheckIn, PointsEntry
from apps.rewards.rules import SHANGHAI, check_in_points
from apps.rewards.selectors import leaderboard, month_start, points_summary
from apps.rewards.services import check_in_record
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.rewards.factories import join

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


def test_the_streak_rule_gives_one_point_a_day_and_five_more_every_seventh_day() -> None:
    assert [check_in_points(n) for n in range(1, 16)] == [1] * 6 + [6] + [1] * 6 + [6] + [1]


def test_a_second_tap_the_same_day_changes_nothing() -> None:
    community = CommunityFactory()
    user = join(community)

    first = check_in_record(community=community, user=user, now=at(3, 8))
    second = check_in_record(community=community, user=user, now=at(3, 22))

    assert first.created and not second.created
    assert second.check_in.pk == first.check_in.pk
    assert CheckIn.objects.count() == 1
    assert PointsEntry.objects.get().points == 1


def test_days_are_counted_in_beijing_time() -> None:
    community = CommunityFactory()
    user = join(community)
    # 23:59 and 00:01 Beijing time are 15:59 and 16:01 UTC of the same UTC day
    check_in_record(community=community, user=user, now=at(3, 23, 59))
    later = check_in_record(community=community, user=user, now=at(4, 0, 1))

    assert later.created
    assert later.check_in.day.isoformat() == "2025-03-04"
    assert later.check_in.streak == 2


def test_a_week_in_a_row_earns_the_bonus_and_a_missed_day_restarts_the_streak() -> None:
    community = CommunityFactory()
    user = join(community)
    for day in range(1, 8):
        check_in_record(community=community, user=user, now=at(day))
    assert CheckIn.objects.get(day=at(7).date()).streak == 7
    assert points_summary(community=community, user=user, now=at(7)).balance == 12

    # skipping 8 March breaks the run
    after_gap = check_in_record(community=community, user=user, now=at(9))
    assert after_gap.check_in.streak == 1
    summary = points_summary(community=community, user=user, now=at(9))
    assert (summary.balance, summary.streak, summary.checked_in_today) == (13, 1, True)
    # the next morning the streak still shows, not yet checked in
    tomorrow = points_summary(community=community, user=user, now=at(10))
    assert (tomorrow.streak, tomorrow.checked_in_today) == (1, False)


def test_only_current_members_check_in() -> None:
    community = CommunityFactory()
    with pytest.raises(PermissionDenied):
        check_in_record(community=community, user=UserFactory())
    assert not CheckIn.objects.exists()


def test_the_leaderboard_ranks_members_by_points_earned_in_a_fixed_number_of_queries(
    django_assert_num_queries: object,
) -> None:
    community = CommunityFactory()
    members = [join(community) for _ in range(5)]
    now = timezone.now()
    for index, member in enumerate(members):
        for back in range(index):  # member i checks in on i days in a row up to today
            check_in_record(community=community, user=member, now=now - timedelta(days=back))
    # points earned in another community do not count here
    other = CommunityFactory()
    check_in_record(community=other, user=join(other, members[0]), now=now)

    with django_assert_num_queries(1):  # type: ignore[operator]
        board = leaderboard(community=community)

    assert [row.user_id for row in board] == [m.pk for m in reversed(members[1:])]
    assert [row.points for row in board] == [4, 3, 2, 1]
    assert board[0].rank == 1


def test_the_monthly_board_counts_this_month_only() -> None:
    community = CommunityFactory()
    old_hand, newcomer = join(community), join(community)
    check_in_record(community=community, user=old_hand)
    check_in_record(community=community, user=newcomer)
    PointsEntry.objects.filter(user=old_hand).update(created_at=month_start() - timedelta(days=1))

    monthly = leaderboard(community=community, since=month_start())
    assert [row.user_id for row in monthly] == [newcomer.pk]
    assert {row.user_id for row in leaderboard(community=community)} == {old_hand.pk, newcomer.pk}
