"""/healthz answers for the two things every request and task needs: the database and the broker."""

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from apps.core import health
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_with_the_database_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "database_ok", lambda: False)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "broker": "ok"}


def test_healthz_is_503_with_the_broker_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "broker_ok", lambda: False)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_refuses_anything_but_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


class BrokenConnection:
    def cursor(self) -> Any:
        raise OperationalError("connection refused")


def test_database_check_reports_a_failing_connection_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert health.database_ok() is True
    monkeypatch.setattr(health, "connection", BrokenConnection())
    assert health.database_ok() is False


def test_broker_check_reports_a_broker_on_a_closed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 on the loopback is closed: the connection is refused at once.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Celery reads these variables ahead of its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})

    assert health.broker_ok() is False
