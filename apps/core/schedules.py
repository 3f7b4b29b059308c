"""Beat schedules live in the database (django-celery-beat), editable in the admin.

Each app declares the periodic tasks it needs; they are created after `migrate` if missing and
never overwritten, so an operator's change in the admin survives the next deploy.
"""

from typing import Any

from django.db import transaction


def ensure_interval_task(*, name: str, task: str, every_seconds: int) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    with transaction.atomic():
        if PeriodicTask.objects.filter(name=name).exists():
            return
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=every_seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.create(name=name, task=task, interval=interval)


def post_migrate_schedules(*tasks: tuple[str, str, int]) -> Any:
    """A post_migrate receiver that ensures (name, task, every_seconds) schedules exist."""

    def receiver(**kwargs: Any) -> None:
        for name, task, every_seconds in tasks:
            ensure_interval_task(name=name, task=task, every_seconds=every_seconds)

    return receiver
