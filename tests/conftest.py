import pytest


@pytest.fixture(autouse=True)
def _celery_eager(settings: object) -> None:
    """Tasks queued by the code under test run inline; the worker itself has its own test."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    from config.celery import app

    app.conf.task_always_eager = True
