"""How code below the faces queues a Celery task: by the task's dotted path, after the commit.

Tasks are faces (they call their app's services), so a service that imported its task module
would make an import run back up and, usually, a cycle (services -> tasks -> services). Instead
it names the task; the import happens when the work is queued. The import contract in
pyproject.toml keeps every other way out.
"""

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def task_delay(task: str, *args: Any) -> None:
    """Queue `task` ("apps.webhooks.tasks.deliver_webhook") now, with these arguments."""
    import_string(task).delay(*args)


def task_delay_on_commit(task: str, *args: Any) -> None:
    """Queue `task` once the current transaction commits (at once outside a transaction), so a
    worker never looks for rows that a rollback took away."""
    transaction.on_commit(lambda: task_delay(task, *args))
