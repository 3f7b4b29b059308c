"""A real Celery worker process delivers a queued notification.

The worker is a separate process: it gets its settings from the environment, like production. It is
pointed at this run's test database and at a broker no other worker reads: a temporary folder for
the file-system broker (CELERY_BROKER_URL unset), or a queue of its own on the configured Redis.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu import Connection, Exchange, Queue

from apps.notifications import services
from apps.notifications.models import Notification
from apps.notifications.services import notify
from config.local import filesystem_broker_options
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DELIVERY_DEADLINE_SECONDS = 25


@dataclass
class Broker:
    url: str
    transport_options: dict[str, object]
    queue: str
    worker_env: dict[str, str]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    if settings.CELERY_BROKER_URL == "filesystem://":
        folder = tmp_path / "celery"
        yield Broker(
            url="filesystem://",
            transport_options=filesystem_broker_options(folder),
            queue=queue,
            worker_env={"CELERY_FILESYSTEM_DIR": str(folder)},
        )
        return
    found = Broker(
        url=settings.CELERY_BROKER_URL,
        transport_options=dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS),
        queue=queue,
        worker_env={"CELERY_BROKER_URL": settings.CELERY_BROKER_URL},
    )
    yield found
    # Leave nothing behind on a shared Redis or RabbitMQ: the queue and its exchange binding.
    with Connection(found.url, transport_options=found.transport_options) as conn:
        declared = Queue(queue, Exchange(queue), routing_key=queue)(conn.default_channel)
        declared.declare()
        declared.delete()


def worker_database_env() -> dict[str, str]:
    """Settings that point a new process at this run's test database."""
    test_name = str(connection.settings_dict["NAME"])
    if settings.DATABASE_URL:
        url = urlsplit(settings.DATABASE_URL)
        return {"DATABASE_URL": urlunsplit(url._replace(path=f"/{test_name}"))}
    return {"EMBEDDED_DATABASE_NAME": test_name}


@pytest.fixture
def sends_go_to(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> Celery:
    """notify() asks for a send through this broker and queue instead of running it inline."""
    producer = Celery("worker-test-producer", set_as_current=False)
    producer.conf.update(
        broker_url=broker.url,
        broker_transport_options=broker.transport_options,
        task_default_queue=broker.queue,
    )
    monkeypatch.setattr(
        services, "_enqueue_sending", lambda: producer.send_task("notifications.send_due")
    )
    return producer


@pytest.fixture
def worker(broker: Broker, tmp_path: Path) -> Iterator[Path]:
    """Start `celery -A config worker` on the broker's queue; yield its log file; stop it."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env |= worker_database_env() | broker.worker_env
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                broker.queue,
                "--hostname",
                f"{broker.queue}@%h",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        process.terminate()  # warm shutdown: finish the current task, then exit
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for_status(notification: Notification, status: str, log: Path) -> None:
    deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.status == status:
            return
        time.sleep(0.25)
    worker_log = log.read_text(errors="replace")[-3000:]
    pytest.fail(
        f"notification still {notification.status} after {DELIVERY_DEADLINE_SECONDS}s; "
        f"worker log:\n{worker_log}"
    )


@pytest.mark.usefixtures("sends_go_to")
def test_a_real_worker_delivers_a_queued_notification(worker: Path) -> None:
    # Given a member with an email address
    member = UserFactory(email="worker-test@example.com")

    # When a notification is queued (committed at once: this test runs outside a transaction)
    notification = notify(
        recipient=member,
        template="test_message",
        dedupe_key=f"worker-test:{member.pk}",
        context={"title": "工作进程测试", "body": "由 Celery worker 发送"},
    )
    assert notification.status == Notification.Status.PENDING  # nothing was sent inline

    # Then the worker process picks the send up and marks the row sent
    wait_for_status(notification, Notification.Status.SENT, worker)
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert "notifications.send_due" in worker.read_text(errors="replace")
