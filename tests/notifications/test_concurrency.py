"""At most one message per dedupe key, and the marketing cap, under real concurrency: real threads,
each with its own PostgreSQL connection, released together by a barrier."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Notification
from apps.notifications.services import notifications_send_due, notify
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Notification.Status


@pytest.fixture(autouse=True)
def _locmem_email(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_together(workers: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run work(i) on `workers` threads released at once; return what they raised."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    close_old_connections()
    return errors


def test_eight_concurrent_notifies_and_two_concurrent_senders_send_exactly_one_email(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the outbox is only sent by the senders below (no send queued by notify itself)
    enqueued = []
    monkeypatch.setattr(services, "_enqueue_sending", lambda: enqueued.append(1))
    member = UserFactory()

    # When 8 threads queue the same message at once
    errors = run_together(
        8,
        lambda i: notify(
            recipient=member,
            template="test_message",
            dedupe_key="order:42:paid",
            context={"title": f"线程{i}"},
        ),
    )
    assert errors == []
    assert Notification.objects.filter(dedupe_key="order:42:paid").count() == 1
    assert len(enqueued) == 8  # every caller asked for a send; the claim makes that harmless

    # and 2 senders run at once
    errors = run_together(2, lambda i: notifications_send_due())

    # Then there is one row, sent, and one email
    assert errors == []
    assert Notification.objects.count() == 1
    assert Notification.objects.get().status == Status.SENT
    assert len(mail.outbox) == 1


def test_concurrent_notifies_that_each_trigger_a_send_still_send_one_email() -> None:
    # Given celery runs tasks inline (tests/conftest.py): each notify() sends right after commit
    member = UserFactory()

    errors = run_together(
        8,
        lambda i: notify(recipient=member, template="test_message", dedupe_key="welcome:1"),
    )
    errors += run_together(2, lambda i: notifications_send_due())

    assert errors == []
    assert Notification.objects.count() == 1
    assert Notification.objects.get().status == Status.SENT
    assert len(mail.outbox) == 1


def test_the_marketing_cap_holds_with_concurrent_senders(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 6 marketing messages for one member, all due
    monkeypatch.setattr(services, "_enqueue_sending", lambda: None)
    member = UserFactory()
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    for i in range(6):
        notify(
            recipient=member,
            template="test_message",
            dedupe_key=f"promo:{i}",
            kind=Notification.Kind.MARKETING,
            scheduled_for=now,
        )

    # When 4 senders each claim one message at a time until none is left
    def drain(_: int) -> None:
        while Notification.objects.filter(status=Status.PENDING).exists():
            notifications_send_due(now=now, batch=1)

    errors = run_together(4, drain)

    # Then exactly the daily cap was sent
    assert errors == []
    assert Notification.objects.filter(status=Status.SENT).count() == 3
    assert Notification.objects.filter(status=Status.SUPPRESSED).count() == 3
    assert len(mail.outbox) == 3
