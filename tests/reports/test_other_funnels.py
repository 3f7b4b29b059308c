"""The course and membership funnels, on events the real pages and services record."""

import pytest
from django.test import Client
from django.utils import timezone

from apps.courses.services import progress_record
from apps.reports.definitions import FunnelKind, Scope, ScopeKind, builtin_funnel_run
from tests.accounts.factories import UserFactory
from tests.courses.factories import enrol, fitness_course
from tests.memberships.factories import buy, make_plan

pytestmark = pytest.mark.django_db


def run(kind: str, scope: Scope) -> list[int]:
    today = timezone.localdate()
    return builtin_funnel_run(kind=kind, scope=scope, date_from=today, date_to=today).counts()


def test_course_funnel_follows_view_trial_purchase_and_first_lesson() -> None:
    setup = fitness_course()
    other = fitness_course()
    trial, first = setup.lessons[0], setup.lessons[1]
    finisher, buyer, looker = UserFactory(), UserFactory(), UserFactory()
    for user in (finisher, buyer, looker):
        client = Client()
        client.force_login(user)
        assert client.get(f"/courses/{setup.course.pk}/").status_code == 200
        assert client.get(f"/courses/lessons/{trial.pk}/").status_code == 200
    enrolment = enrol(setup, finisher)
    enrol(setup, buyer)
    progress_record(enrollment=enrolment, lesson=first, position_seconds=600, completed=True)

    assert run(FunnelKind.COURSE, Scope(ScopeKind.COURSE, setup.course.pk)) == [3, 3, 2, 1]
    assert run(FunnelKind.COURSE, Scope(ScopeKind.COURSE, other.course.pk)) == [0, 0, 0, 0]
    assert run(FunnelKind.COURSE, Scope(ScopeKind.COMMUNITY, setup.community.pk)) == [3, 3, 2, 1]


def test_membership_funnel_follows_view_purchase_and_renewal() -> None:
    plan = make_plan()
    renewer, once = UserFactory(), UserFactory()
    for user in (renewer, once):
        client = Client()
        client.force_login(user)
        assert client.get(f"/communities/{plan.community.pk}/membership/").status_code == 200
    buy(plan, renewer)
    buy(plan, renewer)  # a second period: the renewal
    buy(plan, once)
    assert run(FunnelKind.MEMBERSHIP, Scope(ScopeKind.COMMUNITY, plan.community.pk)) == [2, 2, 1]
