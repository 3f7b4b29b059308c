"""Lifecycle stage and playbook, monthly churn, and the member list by activity."""

from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from apps.communities import content
from apps.communities.lifecycle import StepState, community_lifecycle
from apps.communities.models import Community, Membership, Stage
from apps.communities.selectors import community_churn_by_month
from apps.orders.models import Order
from tests.chains.factories import open_chain
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


def aged(community: Community, days: float) -> Community:
    Community.objects.filter(pk=community.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    community.refresh_from_db()
    return community


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (0, Stage.COLD_START),
        (2.9, Stage.COLD_START),
        (3, Stage.GROWTH),
        (27, Stage.GROWTH),
        (28, Stage.MATURE),
        (400, Stage.MATURE),
    ],
)
def test_stage_by_age(days: float, stage: str) -> None:
    assert aged(CommunityFactory(), days).stage() == stage


def test_the_playbook_shows_what_the_group_has_set_up() -> None:
    setup = open_chain()
    community = setup.community

    def states() -> dict[str, str]:
        lifecycle = community_lifecycle(community)
        return {s.step.key: s.state for plan in lifecycle.plans for s in plan.steps}

    before = states()
    content.announcement_post(community=community, actor=community.owner, body="群规：文明交流")
    member_of(community, role=Membership.Role.ADMIN)
    after = states()

    assert before["rules"] == StepState.TODO and after["rules"] == StepState.DONE
    assert before["kol"] == StepState.TODO and after["kol"] == StepState.DONE
    assert after["group_buy"] == StepState.DONE  # chains registered its check
    assert after["paid_courses"] == StepState.TODO  # courses registered its check
    expected_gift = (
        StepState.UNTRACKED if apps.is_installed("apps.rewards") else StepState.UNAVAILABLE
    )
    assert after["welcome_gift"] in (expected_gift, StepState.DONE, StepState.TODO)


def _member_at(community: Community, joined: datetime, left: datetime | None = None) -> None:
    user = member_of(community)
    Membership.objects.filter(community=community, user=user).update(joined_at=joined, left_at=left)


def test_monthly_churn_is_leavers_over_members_at_the_start_with_a_warning_above_30() -> None:
    community = CommunityFactory()
    Membership.objects.filter(community=community).delete()
    now = timezone.make_aware(datetime(2026, 5, 20, 12))
    april, may = (
        timezone.make_aware(datetime(2026, 4, 1)),
        timezone.make_aware(datetime(2026, 5, 1)),
    )
    for _ in range(6):
        _member_at(community, april - timedelta(days=5))
    for _ in range(4):
        _member_at(community, april - timedelta(days=5), left=april + timedelta(days=3))
    _member_at(community, april + timedelta(days=2))  # joined in April, still here
    _member_at(community, april - timedelta(days=5), left=may + timedelta(days=1))

    months = {m.month.isoformat(): m for m in community_churn_by_month(community, now=now)}

    assert (months["2026-04-01"].at_start, months["2026-04-01"].left) == (11, 4)
    assert str(months["2026-04-01"].rate) == "36.4" and months["2026-04-01"].warning
    assert months["2026-04-01"].joined == 1
    assert (months["2026-05-01"].at_start, months["2026-05-01"].left) == (8, 1)
    assert str(months["2026-05-01"].rate) == "12.5" and not months["2026-05-01"].warning
    assert months["2026-03-01"].rate is None


def test_the_member_list_finds_dormant_members_in_a_fixed_number_of_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    community = CommunityFactory()
    active, dormant, never = (member_of(community) for _ in range(3))
    for user, days_ago in ((active, 3), (dormant, 60)):
        Order.objects.create(
            community=community,
            buyer=None,
            contact_name="x",
            contact_phone=user.phone,
            total_amount=10,
            subtotal_amount=10,
            created_at=timezone.now() - timedelta(days=days_ago),
        )
    for _ in range(20):
        member_of(community)
    client = Client()
    client.force_login(community.owner)
    url = reverse("communities:leader_members", args=[community.pk])

    with django_assert_max_num_queries(8):
        page = client.get(url)
    dormant_page = client.get(url, {"activity": "dormant_30"}).content.decode()
    active_page = client.get(url, {"activity": "active_30"}).content.decode()

    assert page.status_code == 200
    assert dormant.shown_name in dormant_page and never.shown_name in dormant_page
    assert active.shown_name not in dormant_page
    assert active.shown_name in active_page and dormant.shown_name not in active_page


def test_the_overview_shows_stage_playbook_and_churn() -> None:
    community = aged(CommunityFactory(), 10)
    client = Client()
    client.force_login(community.owner)

    page = client.get(reverse("communities:leader_community", args=[community.pk])).content.decode()

    assert "成长期" in page and "打卡积分" in page and "月流失率" in page
