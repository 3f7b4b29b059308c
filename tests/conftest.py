import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    """Tests sign people in, they do not test PBKDF2: its million rounds cost about 0.25 s for
    every user a factory makes, which was most of the suite's time. tests/accounts/
    test_passwords.py proves that the project's own settings still hash with PBKDF2."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _cache_of_this_worker() -> Iterator[None]:
    """Parallel workers (pytest-xdist) each get a database of their own from pytest-django; on a
    Redis cache (CACHE_URL) they get a Redis database of their own here, because a test's
    cache.clear() empties the whole Redis database and would wipe the other worker's counters."""
    from django.conf import settings
    from django.test import override_settings

    cache = settings.CACHES["default"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if not cache["BACKEND"].endswith("RedisCache") or worker == "gw0":
        yield
        return
    url = urlsplit(cache["LOCATION"])
    database = int(url.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    location = urlunsplit(url._replace(path=f"/{database}"))
    with override_settings(CACHES={"default": {**cache, "LOCATION": location}}):
        yield


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
