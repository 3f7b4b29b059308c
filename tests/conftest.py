from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _celery_eager(settings: object) -> None:
    """Tasks queued by the code under test run inline; the worker itself has its own test."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    from config.celery import app

    app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in Chinese: a request in English (LocaleMiddleware) leaves its language
    active on the thread, which would turn later tests' service messages English."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters live in the process-local cache: each test starts with none, so one
    test's requests never count against the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
