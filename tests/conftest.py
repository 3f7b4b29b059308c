import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

# Tests of seconds each rather than milliseconds: whole demo loads, subprocesses (a Celery
# worker, quickstart, deploy checks), property tests and sweeps over every URL. With the browser
# and worker tests they are `-m slow`; `uv run pytest -m "not slow"` is the quick loop.
SLOW_MODULES = frozenset(
    {
        "tests/ads/test_demo.py",
        "tests/api/test_schemathesis.py",
        "tests/catalog/test_stock_properties.py",
        "tests/core/test_settings.py",
        "tests/courses/test_demo_course.py",
        "tests/demo/test_demo.py",
        "tests/demo/test_processes.py",
        "tests/distribution/test_ledger_invariants.py",
        "tests/distribution/test_properties.py",
        "tests/security/test_authorization_matrix.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        module = item.path.relative_to(root).as_posix()
        if (
            module in SLOW_MODULES
            or item.get_closest_marker("browser")
            or item.get_closest_marker("worker")
        ):
            item.add_marker(pytest.mark.slow)


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
