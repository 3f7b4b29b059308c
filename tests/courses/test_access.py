"""Who reads which lesson, by page and by URL: trial open, locked closed, drip at the boundary."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import Event
from apps.core.errors import InvalidInput
from apps.courses.models import Lesson
from apps.courses.services import (
    LessonDetails,
    cohort_create,
    course_buy,
    lesson_access,
    lesson_create,
)
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory
from tests.courses.factories import enrol, fitness_course

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_trial_lesson_opens_without_buying_even_anonymously(client: Client) -> None:
    setup = fitness_course()
    trial = setup.lessons[0]

    response = client.get(reverse("courses:lesson", args=[trial.pk]))

    assert response.status_code == 200
    assert "热身与拉伸" in response.content.decode()
    assert Event.objects.filter(name="trial_lesson_opened", subject_id=trial.pk).count() == 1


def test_course_page_shows_syllabus_and_when_locked_lessons_unlock(client: Client) -> None:
    setup = fitness_course()
    response = client.get(reverse("courses:course", args=[setup.course.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "报名后第 2 天解锁" in body
    assert reverse("courses:lesson", args=[setup.lessons[0].pk]) in body  # trial is a link
    assert reverse("courses:lesson", args=[setup.lessons[1].pk]) not in body
    assert Event.objects.filter(name="course_viewed", subject_id=setup.course.pk).exists()


def test_a_locked_lesson_is_unreadable_by_url_without_enrolment(client: Client) -> None:
    setup = fitness_course()
    client.force_login(UserFactory())

    response = client.get(reverse("courses:lesson", args=[setup.lessons[1].pk]))

    assert response.status_code == 403
    assert "报名后才能观看" in response.content.decode()
    assert "基础燃脂" in response.content.decode()  # the title, never the body


def test_a_revoked_member_cannot_read_and_a_not_yet_released_lesson_says_when(
    client: Client,
) -> None:
    setup = fitness_course()
    member = UserFactory()
    enrol(setup, member)
    client.force_login(member)

    assert client.get(reverse("courses:lesson", args=[setup.lessons[1].pk])).status_code == 200
    locked = client.get(reverse("courses:lesson", args=[setup.lessons[2].pk]))
    assert locked.status_code == 403
    assert "解锁" in locked.content.decode()
    dated = client.get(reverse("courses:lesson", args=[setup.lessons[3].pk]))
    assert dated.status_code == 403


def test_drip_unlocks_at_local_midnight_in_shanghai_not_a_second_earlier() -> None:
    # Given a member enrolled at 23:30 Shanghai time (15:30 UTC) on 1 March
    setup = fitness_course()
    member = UserFactory()
    enrolled_at = datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)
    enrollment = enrol(setup, member)
    enrollment.enrolled_at = enrolled_at
    enrollment.save(update_fields=["enrolled_at"])
    drip = setup.lessons[2]  # day 2

    # Then it opens at 00:00 on 3 March, Shanghai time
    boundary = datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI)
    before = lesson_access(
        lesson=drip, enrollment=enrollment, now=boundary - timedelta(microseconds=1)
    )
    at = lesson_access(lesson=drip, enrollment=enrollment, now=boundary)
    assert not before.readable
    assert before.reason == "not_released"
    assert before.unlocks_at == boundary
    assert at.readable


def test_drip_counts_from_the_cohort_start_when_the_course_has_cohorts() -> None:
    setup = fitness_course()
    now = timezone.now()
    cohort = cohort_create(
        course=setup.course,
        actor=setup.leader,
        name="12月营",
        enrol_opens_at=now - timedelta(days=1),
        enrol_closes_at=now + timedelta(days=1),
        starts_at=datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI),
    )
    member = UserFactory()
    order = course_buy(course=setup.course, buyer=member, cohort=cohort)
    order_mark_paid(order=order, actor=setup.leader)
    enrollment = member.enrollments.get()
    immediate, drip = setup.lessons[1], setup.lessons[2]

    assert enrollment.cohort == cohort
    assert lesson_access(lesson=drip, enrollment=enrollment, now=now).unlocks_at == datetime(
        2026, 12, 9, 0, 0, tzinfo=SHANGHAI
    )
    # Even an "immediate" lesson waits for the camp to start.
    assert not lesson_access(
        lesson=immediate, enrollment=enrollment, now=cohort.starts_at - timedelta(seconds=1)
    ).readable


def test_date_release_needs_a_date() -> None:
    setup = fitness_course()
    with pytest.raises(InvalidInput):
        lesson_create(
            course=setup.course,
            actor=setup.leader,
            details=LessonDetails(title="无日期", release=Lesson.Release.DATE),
        )
    assert setup.course.lessons.count() == 4
