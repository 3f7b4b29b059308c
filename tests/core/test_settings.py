"""Settings are module-level, so each case imports them in a fresh interpreter with its own env."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

PROJECT_DIR = Path(settings.BASE_DIR)
# Everything production sets; each test starts from an environment without any of them.
PRODUCTION_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY")

PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
from django.conf import settings
from config.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECRET_KEY": settings.SECRET_KEY,
    "SECRET_KEY_FROM_ENV": settings.SECRET_KEY_FROM_ENV,
    "ENGINE": db["ENGINE"],
    "NAME": db["NAME"],
    "HOST": db.get("HOST", ""),
    "PORT": db.get("PORT", ""),
    "USER": db.get("USER", ""),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_BROKER_TRANSPORT_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "celery_broker_url": app.conf.broker_url,
}))
"""


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARIABLES}
    # The file-system broker creates its folders: keep them out of the checkout.
    env["CELERY_FILESYSTEM_DIR"] = str(tmp_path / "celery")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env | overrides


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(env: dict[str, str]) -> dict[str, Any]:
    result = run_python(PRINT_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_production_settings_come_from_the_environment(tmp_path: Path) -> None:
    values = settings_with(
        clean_env(
            tmp_path,
            DATABASE_URL="postgresql://shop:pw@db.example.com:6543/tuangou_prod",
            CELERY_BROKER_URL="redis://broker.example.com:6379/2",
            DEBUG="true",
            ALLOWED_HOSTS="tuan.example.com, api.example.com",
            SECRET_KEY="from-the-environment-" + "x" * 40,
        )
    )

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "tuangou_prod"
    assert values["HOST"] == "db.example.com"
    assert values["PORT"] == 6543
    assert values["USER"] == "shop"
    assert values["CELERY_BROKER_URL"] == "redis://broker.example.com:6379/2"
    assert values["celery_broker_url"] == "redis://broker.example.com:6379/2"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"] == {}
    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["tuan.example.com", "api.example.com"]
    assert values["SECRET_KEY"] == "from-the-environment-" + "x" * 40
    assert values["SECRET_KEY_FROM_ENV"] is True


def test_without_environment_the_checkout_runs_on_embedded_defaults(tmp_path: Path) -> None:
    values = settings_with(clean_env(tmp_path))

    assert values["DEBUG"] is False
    assert values["ENGINE"] == "apps.core.embedded_postgres"
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    queue = Path(values["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"])
    assert queue.is_relative_to(tmp_path / "celery")
    assert queue.is_dir()
    assert values["SECRET_KEY"]
    assert values["SECRET_KEY_FROM_ENV"] is False
    assert "localhost" in values["ALLOWED_HOSTS"]


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert settings_with(clean_env(tmp_path, DEBUG="0"))["DEBUG"] is False
    assert settings_with(clean_env(tmp_path, DEBUG="1"))["DEBUG"] is True


@pytest.mark.parametrize(
    ("variable", "value"), [("DEBUG", "sometimes"), ("NOTIFICATIONS_MARKETING_DAILY_CAP", "three")]
)
def test_a_malformed_variable_stops_the_settings_from_loading(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = run_python(PRINT_SETTINGS, clean_env(tmp_path, **{variable: value}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_deploy_check_fails_without_secret_key_and_database_url(tmp_path: Path) -> None:
    result = run_deploy_check(clean_env(tmp_path))

    assert result.returncode != 0
    assert "core.E001" in result.stderr
    assert "core.E002" in result.stderr


def test_deploy_check_passes_our_checks_with_production_environment(tmp_path: Path) -> None:
    result = run_deploy_check(
        clean_env(
            tmp_path,
            SECRET_KEY="a-long-random-production-key-" + "k" * 40,
            DATABASE_URL="postgresql://shop:pw@db.example.com:5432/tuangou_prod",
        )
    )

    output = result.stdout + result.stderr
    assert "core.E001" not in output
    assert "core.E002" not in output
    assert result.returncode == 0, output
