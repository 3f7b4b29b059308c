"""The notification outbox: one message per dedupe key, a daily cap and quiet hours for marketing,
retries with backoff for failed sends."""

from collections.abc import Callable
from datetime import datetime, timedelta
from smtplib import SMTPException
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.models import Notification
from apps.notifications.services import (
    MAX_ATTEMPTS,
    notifications_claim_due,
    notifications_send_due,
    notify,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Notification.Status
Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _locmem_email(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def today_at(hour: int, minute: int = 0) -> datetime:
    """Today (Shanghai) at a given local time: the cap counts what was sent today, by real time."""
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def on(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=SHANGHAI)


def queue(
    recipient: User, key: str, *, kind: str = Kind.TRANSACTIONAL, due: datetime | None = None
) -> Notification:
    return notify(
        recipient=recipient,
        template="test_message",
        dedupe_key=key,
        kind=kind,
        context={"title": f"标题 {key}", "body": f"正文 {key}"},
        scheduled_for=due,
    )


def statuses(recipient: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=recipient)
        .order_by("pk")
        .values_list("status", flat=True)
    )


# --- one message per key ----------------------------------------------------------------------


def test_the_same_dedupe_key_twice_makes_one_row_and_one_email() -> None:
    member = UserFactory(email="member@example.com")

    first = queue(member, "order:1:paid")
    second = queue(member, "order:1:paid")
    sent = notifications_send_due() + notifications_send_due()

    assert second.pk == first.pk
    assert Notification.objects.filter(dedupe_key="order:1:paid").count() == 1
    assert sent == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=first.pk).status == Status.SENT


def test_a_repeated_key_keeps_the_first_message_content() -> None:
    member = UserFactory()
    notify(recipient=member, template="test_message", dedupe_key="k", context={"title": "第一次"})

    again = notify(
        recipient=member, template="test_message", dedupe_key="k", context={"title": "第二次"}
    )

    assert again.context == {"title": "第一次"}


def test_the_email_has_the_templates_first_line_as_subject_and_goes_to_the_recipient() -> None:
    member = UserFactory(email="buyer@example.com")
    queue(member, "welcome")

    notifications_send_due()

    (message,) = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert message.subject == "标题 welcome"
    assert message.body == "正文 welcome"


def test_a_queued_message_is_sent_once_the_transaction_commits(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    member = UserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = queue(member, "commit-then-send")
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.sent_at is not None


def test_a_message_scheduled_for_later_waits_until_it_is_due() -> None:
    member = UserFactory()
    queue(member, "reminder", due=on(2, 18))

    assert notifications_send_due(now=on(2, 17, 59)) == 0
    assert statuses(member) == [Status.PENDING]
    assert notifications_send_due(now=on(2, 18)) == 1
    assert statuses(member) == [Status.SENT]


# --- marketing: the daily cap -----------------------------------------------------------------


def test_five_marketing_messages_in_a_day_send_three_and_suppress_two(settings: Any) -> None:
    assert settings.NOTIFICATIONS_MARKETING_DAILY_CAP == 3
    member = UserFactory()
    now = today_at(10)
    for i in range(5):
        queue(member, f"promo:{i}", kind=Kind.MARKETING, due=now - timedelta(minutes=5 - i))

    sent = notifications_send_due(now=now)

    assert sent == 3
    assert len(mail.outbox) == 3
    assert statuses(member) == [Status.SENT] * 3 + [Status.SUPPRESSED] * 2
    suppressed = Notification.objects.filter(status=Status.SUPPRESSED)
    assert all(n.sent_at is None and n.last_error for n in suppressed)


def test_the_cap_counts_marketing_sent_earlier_the_same_day() -> None:
    member = UserFactory()
    for i in range(2):
        queue(member, f"morning:{i}", kind=Kind.MARKETING, due=today_at(9))
    notifications_send_due(now=today_at(9, 30))

    for i in range(2):
        queue(member, f"noon:{i}", kind=Kind.MARKETING, due=today_at(12))
    sent = notifications_send_due(now=today_at(12, 30))

    assert sent == 1
    assert statuses(member) == [Status.SENT] * 3 + [Status.SUPPRESSED]


def test_transactional_messages_are_never_capped() -> None:
    member = UserFactory()
    for i in range(3):
        queue(member, f"promo:{i}", kind=Kind.MARKETING, due=today_at(9))
    for i in range(5):
        queue(member, f"order:{i}", due=today_at(9))

    sent = notifications_send_due(now=today_at(10))

    assert sent == 8
    assert Notification.objects.filter(kind=Kind.TRANSACTIONAL, status=Status.SENT).count() == 5


def test_the_cap_is_per_recipient() -> None:
    alice, bob = UserFactory(), UserFactory()
    for member in (alice, bob):
        for i in range(3):
            queue(member, f"promo:{member.pk}:{i}", kind=Kind.MARKETING, due=today_at(9))

    assert notifications_send_due(now=today_at(10)) == 6


# --- marketing: quiet hours 22:00–08:00 Shanghai ----------------------------------------------


def test_marketing_due_at_23_is_held_until_8_the_next_morning_then_sent() -> None:
    # Given a marketing message due at 23:00
    member = UserFactory()
    promo = queue(member, "late-promo", kind=Kind.MARKETING, due=on(2, 23))

    # When the sender runs at 23:00
    sent_at_night = notifications_send_due(now=on(2, 23))

    # Then it is held, rescheduled to 08:00 the next morning, and nothing was sent
    promo.refresh_from_db()
    assert sent_at_night == 0
    assert mail.outbox == []
    assert promo.status == Status.PENDING
    assert promo.scheduled_for == on(3, 8)

    # and it is not sent before 08:00, but is at 08:00
    assert notifications_send_due(now=on(3, 7, 59)) == 0
    assert notifications_send_due(now=on(3, 8)) == 1
    promo.refresh_from_db()
    assert promo.status == Status.SENT
    assert len(mail.outbox) == 1


def test_marketing_due_after_midnight_is_held_until_8_the_same_morning() -> None:
    member = UserFactory()
    promo = queue(member, "early-promo", kind=Kind.MARKETING, due=on(3, 3))

    notifications_claim_due(now=on(3, 3))

    promo.refresh_from_db()
    assert promo.scheduled_for == on(3, 8)


@pytest.mark.parametrize(
    ("hour", "minute", "held"), [(21, 59, False), (22, 0, True), (7, 59, True)]
)
def test_quiet_hours_start_at_22_and_end_at_8(hour: int, minute: int, held: bool) -> None:
    member = UserFactory()
    queue(member, "edge", kind=Kind.MARKETING, due=on(2, hour, minute))

    sent = notifications_send_due(now=on(2, hour, minute))

    assert sent == (0 if held else 1)


def test_transactional_messages_are_sent_at_23() -> None:
    member = UserFactory()
    receipt = queue(member, "order:9:paid", due=on(2, 23))

    assert notifications_send_due(now=on(2, 23)) == 1
    receipt.refresh_from_db()
    assert receipt.status == Status.SENT
    assert len(mail.outbox) == 1


# --- failures and retries ---------------------------------------------------------------------


class FlakyBackend(BaseEmailBackend):
    """Fails the first `failures_left` sends, then delivers into django.core.mail.outbox."""

    failures_left = 0

    def send_messages(self, email_messages: Any) -> int:
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise SMTPException("421 service not available")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def flaky_email(settings: Any) -> type[FlakyBackend]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left = 0
    return FlakyBackend


def test_a_failed_send_is_retried_later_with_growing_backoff(
    flaky_email: type[FlakyBackend],
) -> None:
    # Given a mail server that refuses twice
    flaky_email.failures_left = 2
    member = UserFactory()
    receipt = queue(member, "order:2:paid")

    # When the sender runs: the first attempt fails and the message waits 2 minutes
    before = timezone.now()
    assert notifications_send_due() == 0
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts, receipt.sent_at) == (Status.PENDING, 1, None)
    assert "421" in receipt.last_error
    assert (
        before + timedelta(minutes=2)
        <= receipt.scheduled_for
        <= timezone.now() + timedelta(minutes=2)
    )
    # it is not retried before then
    assert notifications_send_due() == 0
    receipt.refresh_from_db()
    assert receipt.attempts == 1

    # the second attempt fails too and the wait doubles to 4 minutes
    before = timezone.now()
    notifications_send_due(now=receipt.scheduled_for)
    receipt.refresh_from_db()
    assert receipt.attempts == 2
    assert (
        before + timedelta(minutes=4)
        <= receipt.scheduled_for
        <= timezone.now() + timedelta(minutes=4)
    )

    # Then the third attempt delivers it, once
    assert notifications_send_due(now=receipt.scheduled_for) == 1
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (Status.SENT, 3)
    assert len(mail.outbox) == 1


def test_a_message_that_keeps_failing_stops_after_max_attempts(
    flaky_email: type[FlakyBackend],
) -> None:
    flaky_email.failures_left = 100
    member = UserFactory()
    receipt = queue(member, "order:3:paid")
    far_future = timezone.now() + timedelta(days=1)

    for _ in range(MAX_ATTEMPTS + 2):
        notifications_send_due(now=far_future)

    receipt.refresh_from_db()
    assert receipt.status == Status.FAILED
    assert receipt.attempts == MAX_ATTEMPTS
    assert receipt.sent_at is None
    assert flaky_email.failures_left == 100 - MAX_ATTEMPTS
    assert mail.outbox == []


def test_a_recipient_without_an_address_fails_at_once_without_retries() -> None:
    member = UserFactory(email="")
    notification = queue(member, "no-email")

    notifications_send_due()

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, 1)
    assert notification.sent_at is None
    assert notification.last_error
    assert mail.outbox == []
