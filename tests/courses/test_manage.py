"""Managing courses: progress and completion rates; who may manage (others get 404/403 and
nothing changes); the API; the admin scoped to the merchant's own courses."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.analytics.models import Event
from apps.core.errors import PermissionDenied
from apps.courses.models import Course, Lesson, LessonProgress, LiveSession
from apps.courses.selectors import course_completion_by_lesson
from apps.courses.services import (
    CourseDetails,
    LessonDetails,
    course_create,
    lesson_create,
    progress_record,
)
from tests.accounts.factories import UserFactory, staff_user
from tests.catalog.factories import MerchantFactory
from tests.communities.factories import member_of
from tests.courses.factories import coaching_slot, enrol, fitness_course

pytestmark = pytest.mark.django_db


def test_progress_endpoint_records_position_and_completion_once(client: Client) -> None:
    setup = fitness_course()
    member = UserFactory()
    enrol(setup, member)
    client.force_login(member)
    url = reverse("courses:progress", args=[setup.lessons[1].pk])

    assert client.post(url, {"position": "30"}).json() == {"position": 30, "completed": False}
    assert client.post(url, {"position": "95", "completed": "1"}).json()["completed"] is True
    client.post(url, {"position": "95", "completed": "1"})

    progress = LessonProgress.objects.get()
    assert progress.position_seconds == 95
    assert (
        Event.objects.filter(name="lesson_completed", subject_id=setup.lessons[1].pk).count() == 1
    )
    locked = reverse("courses:progress", args=[setup.lessons[2].pk])
    assert client.post(locked, {"position": "1"}).status_code == 403
    client.force_login(UserFactory())
    assert client.post(url, {"position": "1"}).status_code == 403


def test_completion_rate_per_lesson_in_one_query(django_assert_num_queries: Any) -> None:
    setup = fitness_course()
    members = [UserFactory() for _ in range(4)]
    enrollments = [enrol(setup, member) for member in members]
    first, second = setup.lessons[0], setup.lessons[1]
    for enrollment in enrollments[:3]:
        progress_record(enrollment=enrollment, lesson=first, position_seconds=60, completed=True)
    progress_record(enrollment=enrollments[0], lesson=second, position_seconds=60, completed=True)
    progress_record(enrollment=enrollments[1], lesson=second, position_seconds=10)

    with django_assert_num_queries(1):
        rows = course_completion_by_lesson(course=setup.course)

    assert [(row.lesson.pk, row.completed, row.enrolled) for row in rows] == [
        (first.pk, 3, 4),
        (second.pk, 1, 4),
        (setup.lessons[2].pk, 0, 4),
        (setup.lessons[3].pk, 0, 4),
    ]
    assert rows[0].rate == Decimal("75.0")
    assert rows[1].rate == Decimal("25.0")


def test_leader_page_shows_completion_and_query_count_is_pinned(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    setup = fitness_course()
    for _ in range(5):
        enrol(setup, UserFactory())
    client.force_login(setup.leader)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("courses:leader_course", args=[setup.course.pk]))
    assert response.status_code == 200
    assert "0/5" in response.content.decode()


def test_another_groups_leader_cannot_see_or_change_the_course(client: Client) -> None:
    setup = fitness_course()
    other = fitness_course()
    client.force_login(other.leader)

    page = client.get(reverse("courses:leader_course", args=[setup.course.pk]))
    post = client.post(
        reverse("courses:leader_course", args=[setup.course.pk]),
        {
            "part": "lesson",
            "lesson-title": "偷偷加课",
            "lesson-release": "immediate",
            "lesson-release_days": "0",
            "lesson-duration_seconds": "0",
        },
    )
    edit = client.post(
        reverse("courses:leader_lesson", args=[setup.course.pk, setup.lessons[0].pk]),
        {"title": "改掉", "release": "immediate", "release_days": "0", "duration_seconds": "0"},
    )

    assert (page.status_code, post.status_code, edit.status_code) == (404, 404, 404)
    assert setup.course.lessons.count() == 4
    assert Lesson.objects.get(pk=setup.lessons[0].pk).title == "热身与拉伸"
    with pytest.raises(PermissionDenied):
        lesson_create(course=setup.course, actor=other.leader, details=LessonDetails(title="x"))
    # A plain member of the group cannot either.
    with pytest.raises(PermissionDenied):
        lesson_create(
            course=setup.course,
            actor=member_of(setup.community),
            details=LessonDetails(title="x"),
        )


def test_the_leader_adds_a_lesson_and_a_course_session(client: Client) -> None:
    setup = fitness_course()
    client.force_login(setup.leader)
    url = reverse("courses:leader_course", args=[setup.course.pk])
    client.post(
        url,
        {
            "part": "lesson",
            "lesson-title": "第五课",
            "lesson-release": "drip",
            "lesson-release_days": "5",
            "lesson-duration_seconds": "600",
        },
    )
    client.post(
        url,
        {
            "part": "session",
            "session-title": "周末直播",
            "session-capacity": "20",
            "session-starts_at": "2030-01-05 20:00",
            "session-duration_minutes": "60",
        },
    )
    assert setup.course.lessons.get(position=5).release_days == 5
    assert LiveSession.objects.get(course=setup.course).capacity == 20


def test_another_merchants_staff_cannot_create_or_manage_its_course() -> None:
    merchant, other = MerchantFactory(), MerchantFactory()
    staff, stranger = UserFactory(), UserFactory()
    merchant.staff.add(staff)
    other.staff.add(stranger)
    details = CourseDetails(
        title="育儿课", description="", instructor_name="王老师", price=Decimal("199")
    )
    course = course_create(actor=staff, merchant=merchant, details=details)
    with pytest.raises(PermissionDenied):
        course_create(actor=stranger, merchant=merchant, details=details)
    with pytest.raises(PermissionDenied):
        lesson_create(course=course, actor=stranger, details=LessonDetails(title="x"))
    assert Course.objects.count() == 1
    assert course.product.kind == "course"
    assert course.product.merchant == merchant


def test_merchant_staff_see_only_their_own_courses_in_the_admin(client: Client) -> None:
    merchant, other = MerchantFactory(), MerchantFactory()
    staff = staff_user(Role.MERCHANT_STAFF)
    merchant.staff.add(staff)
    rival = UserFactory()
    other.staff.add(rival)
    details = CourseDetails(
        title="自家课", description="", instructor_name="A", price=Decimal("99")
    )
    mine = course_create(actor=staff, merchant=merchant, details=details)
    theirs = course_create(
        actor=rival,
        merchant=other,
        details=CourseDetails(
            title="别家课", description="", instructor_name="B", price=Decimal("99")
        ),
    )
    client.force_login(staff)
    listing = client.get(reverse("admin:courses_course_changelist")).content.decode()
    assert "自家课" in listing and "别家课" not in listing
    assert client.get(reverse("admin:courses_course_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:courses_course_change", args=[theirs.pk])).status_code == 302
    ops = staff_user(Role.OPERATIONS)
    client.force_login(ops)
    listing = client.get(reverse("admin:courses_course_changelist")).content.decode()
    assert "自家课" in listing and "别家课" in listing


def test_api_create_buy_and_completion(django_assert_max_num_queries: Any) -> None:
    setup = fitness_course()
    api = APIClient()
    api.force_authenticate(setup.leader)
    created = api.post(
        "/api/v1/courses/",
        {
            "community": setup.community.pk,
            "title": "私教入门",
            "instructor_name": "李教练",
            "price": "300.00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    course_id = created.json()["id"]
    lesson = api.post(f"/api/v1/courses/{course_id}/lessons/", {"title": "第一课"}, format="json")
    assert lesson.status_code == 201
    with django_assert_max_num_queries(6):
        listing = api.get("/api/v1/courses/")
    assert listing.json()["count"] == 2
    assert api.get(f"/api/v1/courses/{setup.course.pk}/completion/").status_code == 200

    member = UserFactory()
    api.force_authenticate(member)
    bought = api.post(f"/api/v1/courses/{course_id}/buy/", {}, format="json")
    assert bought.status_code == 201
    assert bought.json()["total_amount"] == "300.00"
    # Members manage nothing: 404, and nothing is added.
    assert api.get(f"/api/v1/courses/{course_id}/").status_code == 404
    denied = api.post(f"/api/v1/courses/{course_id}/lessons/", {"title": "x"}, format="json")
    assert denied.status_code == 404
    assert Lesson.objects.filter(course_id=course_id).count() == 1
    other_group = api.post(
        "/api/v1/courses/",
        {"community": setup.community.pk, "title": "x", "instructor_name": "x", "price": "1"},
        format="json",
    )
    assert other_group.status_code == 400


def test_api_sessions_book_and_cancel() -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=1, for_course=True)
    member = UserFactory()
    enrol(setup, member)
    api = APIClient()
    api.force_authenticate(member)
    assert [s["id"] for s in api.get("/api/v1/courses/sessions/").json()["results"]] == [session.pk]
    booked = api.post(f"/api/v1/courses/sessions/{session.pk}/book/", format="json")
    assert booked.status_code == 201
    again = api.post(f"/api/v1/courses/sessions/{session.pk}/book/", format="json")
    assert again.status_code == 409
    booking_id = booked.json()["id"]
    cancelled = api.post(f"/api/v1/courses/bookings/{booking_id}/cancel/", format="json")
    assert cancelled.json()["status"] == "cancelled"
    api.force_authenticate(UserFactory())
    assert api.post(f"/api/v1/courses/bookings/{booking_id}/cancel/").status_code == 404
