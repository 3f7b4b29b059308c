""" "A lesson is open" reminders (beat: apps/courses/tasks.py).

Lessons that open on a date, or on day N of a member's course (drip), tell each enrolled member
once: the key is per lesson and member, and each run looks back two days so a missed beat is
caught up. Members are fanned out in chunks by notify_many.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.courses.models import Enrollment, Lesson
from apps.notifications.links import absolute
from apps.notifications.models import Notification
from apps.notifications.services import notify_many

LOOKBACK = timedelta(days=2)


def _active(now: datetime) -> Q:
    return Q(status=Enrollment.Status.ACTIVE) & (
        Q(access_ends_at__isnull=True) | Q(access_ends_at__gt=now)
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def lessons_remind_unlocked(*, now: datetime | None = None) -> int:
    """Queue "lesson open" messages for lessons that opened since the look-back; returns how
    many were new."""
    now = now or timezone.now()
    queued = 0
    dated = Lesson.objects.filter(
        release=Lesson.Release.DATE, release_at__gt=now - LOOKBACK, release_at__lte=now
    ).select_related("course")
    for lesson in dated:
        members = Enrollment.objects.filter(_active(now), course_id=lesson.course_id)
        queued += _fan_out(lesson, members.values_list("user_id", flat=True))
    today = timezone.localdate(now)
    dripped = Lesson.objects.filter(
        release=Lesson.Release.DRIP, release_days__gt=0, course__active=True
    ).select_related("course")
    for lesson in dripped:
        # Day N opens at local midnight N days after the anchor's date (Lesson.unlocks_at):
        # anchors whose date is N days before a day in the look-back have opened it recently.
        first = _local_midnight(today - timedelta(days=lesson.release_days + LOOKBACK.days))
        last = _local_midnight(today - timedelta(days=lesson.release_days - 1))
        anchored = Q(cohort__isnull=True, enrolled_at__gte=first, enrolled_at__lt=last) | Q(
            cohort__starts_at__gte=first, cohort__starts_at__lt=last
        )
        members = Enrollment.objects.filter(_active(now), anchored, course_id=lesson.course_id)
        queued += _fan_out(lesson, members.values_list("user_id", flat=True))
    return queued


def _fan_out(lesson: Lesson, user_ids: Iterable[int]) -> int:
    with transaction.atomic():
        return notify_many(
            recipient_ids=user_ids,
            template="course_lesson_unlocked",
            dedupe_prefix=f"course.lesson_unlocked:{lesson.pk}",
            kind=Notification.Kind.TRANSACTIONAL,
            channel=Notification.Channel.SMS,
            community_id=lesson.course.community_id,
            context={
                "course": lesson.course.title,
                "lesson": lesson.title,
                "position": lesson.position,
                "url": absolute(reverse("courses:lesson", kwargs={"lesson_id": lesson.pk})),
            },
        )
