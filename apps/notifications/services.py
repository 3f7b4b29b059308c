"""The outbox: `notify()` writes a row; `notifications_send_due()` sends what is due.

Delivery is at most once per dedupe key: the key is unique in the database, and a row is
claimed (`FOR UPDATE SKIP LOCKED`, status → sending) before it is sent, so duplicate calls,
retried tasks and concurrent workers never send the same message twice.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications import policy
from apps.notifications.channels import SENDERS, UndeliverableError
from apps.notifications.models import Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
Status = Notification.Status


def notify(
    *,
    recipient: User | None,
    template: str,
    dedupe_key: str,
    kind: str = Notification.Kind.TRANSACTIONAL,
    context: dict[str, Any] | None = None,
    channel: str = Notification.Channel.EMAIL,
    scheduled_for: datetime | None = None,
    address: str = "",
) -> Notification:
    """Queue a message; a key seen before queues nothing and returns the first row.

    `address` overrides the recipient's own (or stands in for a recipient without an account).
    """
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                address=address,
                template=template,
                dedupe_key=dedupe_key,
                kind=kind,
                context=context or {},
                channel=channel,
                scheduled_for=scheduled_for or timezone.now(),
            )
        ],
        ignore_conflicts=True,  # INSERT … ON CONFLICT DO NOTHING: safe under concurrent calls
    )
    transaction.on_commit(_enqueue_sending)
    return Notification.objects.get(dedupe_key=dedupe_key)


def _enqueue_sending() -> None:
    from apps.notifications.tasks import send_due_notifications

    send_due_notifications.delay()


def notifications_claim_due(*, now: datetime | None = None, batch: int = 100) -> list[int]:
    """Mark due rows as sending and return their ids; hold or suppress marketing by policy."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, scheduled_for__lte=now)
            .order_by("recipient_id", "scheduled_for", "id")[:batch]
        )
        claimed: list[int] = []
        locked_recipients: set[int] = set()
        for notification in due:
            if notification.kind == Notification.Kind.MARKETING:
                if policy.in_quiet_hours(now):
                    notification.scheduled_for = policy.quiet_hours_end(now)
                    notification.save(update_fields=["scheduled_for"])
                    continue
                # Marketing always has a recipient (a check constraint says so).
                recipient_id = notification.recipient_id or 0
                if recipient_id not in locked_recipients:
                    _lock_recipient(recipient_id)
                    locked_recipients.add(recipient_id)
                if _marketing_sent_today(recipient_id, now) >= (
                    settings.NOTIFICATIONS_MARKETING_DAILY_CAP
                ):
                    notification.status = Status.SUPPRESSED
                    notification.last_error = "已达每日营销消息上限"
                    notification.save(update_fields=["status", "last_error"])
                    continue
            notification.status = Status.SENDING
            notification.sent_at = now  # counts toward today's cap from the moment it is claimed
            notification.save(update_fields=["status", "sent_at"])
            claimed.append(notification.pk)
    return claimed


def _lock_recipient(recipient_id: int) -> None:
    """Serialise cap decisions per recipient across workers, until the transaction ends.

    Rows are visited in recipient order, so two workers take these locks in the same order.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, recipient_id])


def _marketing_sent_today(recipient_id: int, now: datetime) -> int:
    start, end = policy.local_day_bounds(now)
    return Notification.objects.filter(
        Q(status=Status.SENT) | Q(status=Status.SENDING),
        recipient_id=recipient_id,
        kind=Notification.Kind.MARKETING,
        sent_at__gte=start,
        sent_at__lt=end,
    ).count()


def notification_deliver(*, notification_id: int) -> bool:
    """Send one claimed row, outside any transaction (the channel is a remote call)."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.status != Status.SENDING:
        return False  # already handled by another attempt
    sender = SENDERS[Notification.Channel(notification.channel)]
    notification.attempts += 1
    try:
        sender(notification)
    except UndeliverableError as error:
        notification.status = Status.FAILED
        notification.sent_at = None  # the claim's provisional time: nothing was sent
        notification.last_error = str(error)
    except Exception as error:
        logger.warning("notification %s failed: %s", notification.pk, error)
        notification.sent_at = None
        notification.last_error = str(error)[:500]
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = Status.FAILED
        else:
            notification.status = Status.PENDING
            notification.scheduled_for = timezone.now() + timedelta(
                minutes=2**notification.attempts
            )
    else:
        notification.status = Status.SENT
        notification.sent_at = timezone.now()
    notification.save(
        update_fields=["status", "attempts", "last_error", "sent_at", "scheduled_for"]
    )
    return notification.status == Status.SENT


def notifications_send_due(*, now: datetime | None = None, batch: int = 100) -> int:
    """Claim and send due messages; returns how many were sent."""
    claimed = notifications_claim_due(now=now, batch=batch)
    return sum(notification_deliver(notification_id=pk) for pk in claimed)
