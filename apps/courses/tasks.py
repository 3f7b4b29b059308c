from celery import shared_task

from apps.courses.reminders import lessons_remind_unlocked
from apps.courses.services import sessions_remind


@shared_task(name="courses.remind_sessions")
def remind_sessions() -> int:
    return sessions_remind()


@shared_task(name="courses.remind_lessons_unlocked")
def remind_lessons_unlocked() -> int:
    return lessons_remind_unlocked()
