from celery import shared_task

from apps.courses.services import sessions_remind


@shared_task(name="courses.remind_sessions")
def remind_sessions() -> int:
    return sessions_remind()
