"""A fitness group's paid course with trial and drip lessons, and its leader."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.communities.models import Community
from apps.courses.models import Course, Enrollment, Lesson, LiveSession
from apps.courses.services import (
    CourseDetails,
    LessonDetails,
    SessionDetails,
    course_buy,
    course_create,
    lesson_create,
    session_create,
)
from apps.orders.services import order_mark_paid
from tests.communities.factories import CommunityFactory


@dataclass
class CourseSetup:
    course: Course
    community: Community
    leader: User
    lessons: list[Lesson] = field(default_factory=list)


def fitness_course(*, price: str = "399.00", seats: int = 100) -> CourseSetup:
    """Lessons: 1 trial, 2 immediate, 3 drip day 2, 4 on a date in ten days."""
    community = CommunityFactory(kind=Community.Kind.FITNESS)
    leader = community.owner
    course = course_create(
        actor=leader,
        community=community,
        seats=seats,
        details=CourseDetails(
            title="30天燃脂训练营",
            description="每天20分钟",
            instructor_name="李教练",
            price=Decimal(price),
        ),
    )
    specs = [
        LessonDetails(title="热身与拉伸", is_trial=True),
        LessonDetails(title="基础燃脂"),
        LessonDetails(title="进阶HIIT", release=Lesson.Release.DRIP, release_days=2),
        LessonDetails(
            title="结营直播回放",
            release=Lesson.Release.DATE,
            release_at=timezone.now() + timedelta(days=10),
        ),
    ]
    lessons = [lesson_create(course=course, actor=leader, details=spec) for spec in specs]
    return CourseSetup(course=course, community=community, leader=leader, lessons=lessons)


def enrol(setup: CourseSetup, user: User, *, now: datetime | None = None) -> Enrollment:
    """Buy and pay (offline, confirmed by the leader)."""
    order = course_buy(course=setup.course, buyer=user, now=now)
    order_mark_paid(order=order, actor=setup.leader)
    return Enrollment.objects.get(order=order)


def coaching_slot(
    setup: CourseSetup,
    *,
    capacity: int = 1,
    price: str | None = None,
    starts_in: timedelta = timedelta(days=2),
    for_course: bool = False,
) -> LiveSession:
    details = SessionDetails(
        title="私教课",
        starts_at=timezone.now() + starts_in,
        capacity=capacity,
        price=Decimal(price) if price else None,
    )
    if for_course:
        return session_create(actor=setup.leader, course=setup.course, details=details)
    return session_create(actor=setup.leader, community=setup.community, details=details)
