from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.communities.models import Membership
from apps.communities.selectors import communities_managed_by
from apps.courses.models import Booking, Course, Enrollment, Lesson, LiveSession
from apps.courses.services import LessonAccess, lesson_access


def courses_managed_by(user: User) -> QuerySet[Course]:
    """A leader's groups' courses and the courses of the merchants the user works for."""
    return Course.objects.filter(
        Q(community__in=communities_managed_by(user)) | Q(merchant__staff=user)
    ).distinct()


def sessions_managed_by(user: User) -> QuerySet[LiveSession]:
    return LiveSession.objects.filter(
        Q(course__in=courses_managed_by(user)) | Q(community__in=communities_managed_by(user))
    )


def enrollment_of(*, user: object, course: Course) -> Enrollment | None:
    if not isinstance(user, User):
        return None  # an anonymous visitor
    return (
        Enrollment.objects.filter(user=user, course=course, status=Enrollment.Status.ACTIVE)
        .select_related("cohort")
        .first()
    )


@dataclass(frozen=True)
class SyllabusRow:
    lesson: Lesson
    access: LessonAccess


def course_syllabus(
    *, course: Course, enrollment: Enrollment | None, now: datetime | None = None
) -> list[SyllabusRow]:
    now = now or timezone.now()
    return [
        SyllabusRow(lesson, lesson_access(lesson=lesson, enrollment=enrollment, now=now))
        for lesson in course.lessons.order_by("position")
    ]


@dataclass(frozen=True)
class LessonCompletion:
    lesson: Lesson
    completed: int
    enrolled: int

    @property
    def rate(self) -> Decimal:
        """Percent of the course's active members who completed the lesson, one decimal."""
        if not self.enrolled:
            return Decimal("0.0")
        return (Decimal(self.completed * 100) / self.enrolled).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


def course_completion_by_lesson(*, course: Course) -> list[LessonCompletion]:
    """Every lesson with how many active members completed it, in one query."""
    active = Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
    enrolled = active.order_by().values("course").annotate(n=Count("pk")).values("n")
    lessons = (
        Lesson.objects.filter(course=course)
        .annotate(
            completed=Count(
                "progress",
                filter=Q(
                    progress__completed_at__isnull=False,
                    progress__enrollment__status=Enrollment.Status.ACTIVE,
                ),
            ),
            enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), Value(0)),
        )
        .order_by("position")
    )
    return [LessonCompletion(lesson, lesson.completed, lesson.enrolled) for lesson in lessons]


def sessions_for_member(user: User, *, now: datetime | None = None) -> QuerySet[LiveSession]:
    """Upcoming sessions the user could book: their courses' and their groups'."""
    now = now or timezone.now()
    courses = Enrollment.objects.filter(user=user, status=Enrollment.Status.ACTIVE).values(
        "course_id"
    )
    communities = Membership.objects.filter(user=user, left_at=None).values("community_id")
    return (
        LiveSession.objects.filter(cancelled_at=None, starts_at__gt=now)
        .filter(Q(course_id__in=courses) | Q(community_id__in=communities))
        .select_related("course", "community")
        .order_by("starts_at", "pk")
    )


def bookings_of(user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("session", "order")
        .order_by("session__starts_at", "pk")
    )


def enrollments_of_course(course: Course) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(course=course)
        .select_related("user", "cohort", "order")
        .annotate(
            lessons_completed=Count("progress", filter=Q(progress__completed_at__isnull=False))
        )
        .order_by("-enrolled_at", "-pk")
    )
