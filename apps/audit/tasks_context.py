"""Celery tasks write audited rows too (timeouts, reconciliation, payouts): each task runs in a
pghistory context naming it, so its changes say which task made them rather than nobody."""

from typing import Any

import pghistory
from celery.signals import task_postrun, task_prerun

_ACTIVE: dict[str, Any] = {}


def _enter(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    context = pghistory.context(task=task.name, task_id=task_id)
    context.__enter__()
    _ACTIVE[task_id] = context


def _exit(task_id: str | None = None, **kwargs: Any) -> None:
    context = _ACTIVE.pop(task_id or "", None)
    if context is not None:
        context.__exit__(None, None, None)


def connect() -> None:
    task_prerun.connect(_enter, weak=False, dispatch_uid="audit.task_context_enter")
    task_postrun.connect(_exit, weak=False, dispatch_uid="audit.task_context_exit")
