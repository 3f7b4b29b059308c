"""The outbox: `notify()` and `notify_many()` write rows; the send tasks deliver what is due.

Delivery is at most once per dedupe key: the key is unique in the database, and a row is
claimed (`FOR UPDATE SKIP LOCKED`, status → sending) before it is sent, so duplicate calls,
retried tasks and concurrent workers never send the same message twice. A row a crashed worker
left "sending" is requeued by the sweeper after NOTIFICATIONS_STUCK_MINUTES.
"""

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.locks import LockSpace, advisory_lock
from apps.core.task_queue import task_delay
from apps.notifications import policy
from apps.notifications.channels import SENDERS, UndeliverableError, reachable
from apps.notifications.models import CommunityMute, Notification, NotificationPreference

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SEND_DUE = "apps.notifications.tasks.send_due_notifications"
SEND_BATCH = "apps.notifications.tasks.send_notification_batch"
Status = Notification.Status
Channel = Notification.Channel
# When the member turned the requested channel off: the first of these they can be reached on.
FALLBACK_ORDER = (Channel.WECHAT, Channel.SMS, Channel.EMAIL)


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
    community_id: int | None = None,
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
                community_id=community_id,
                scheduled_for=scheduled_for or timezone.now(),
            )
        ],
        ignore_conflicts=True,  # INSERT … ON CONFLICT DO NOTHING: safe under concurrent calls
    )
    transaction.on_commit(_enqueue_sending)
    return Notification.objects.get(dedupe_key=dedupe_key)


def _enqueue_sending() -> None:
    task_delay(SEND_DUE)


def _enqueue_batch(ids: list[int]) -> None:
    task_delay(SEND_BATCH, ids)


# The table name is the model's, never input.
_INSERT_MANY = f"""
INSERT INTO {Notification._meta.db_table}
    (recipient_id, address, channel, template, context, kind, dedupe_key, community_id,
     scheduled_for, status, attempts, last_error, created_at)
SELECT r.id, '', %(channel)s, %(template)s, %(context)s::jsonb, %(kind)s,
       %(prefix)s || ':' || r.id::text, %(community_id)s, %(scheduled_for)s, 'pending', 0, '',
       now()
FROM unnest(%(ids)s::bigint[]) AS r(id)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""  # noqa: S608


def notify_many(
    *,
    recipient_ids: Iterable[int],
    template: str,
    dedupe_prefix: str,
    kind: str = Notification.Kind.TRANSACTIONAL,
    context: dict[str, Any] | None = None,
    channel: str = Notification.Channel.EMAIL,
    community_id: int | None = None,
    scheduled_for: datetime | None = None,
) -> int:
    """Fan one message out to many members: each recipient's key is `<prefix>:<user id>`.

    One INSERT … ON CONFLICT DO NOTHING RETURNING per chunk of NOTIFICATIONS_CHUNK_SIZE, and
    one send task per chunk after the commit, carrying only the rows this call inserted — so
    a rerun or a concurrent run enqueues nothing a first run already owns. Returns how many
    rows were new.
    """
    ids = sorted(set(recipient_ids))
    size = max(settings.NOTIFICATIONS_CHUNK_SIZE, 1)
    params = {
        "channel": channel,
        "template": template,
        "context": json.dumps(context or {}, ensure_ascii=False),
        "kind": kind,
        "prefix": dedupe_prefix,
        "community_id": community_id,
        "scheduled_for": scheduled_for or timezone.now(),
    }
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), size):
            cursor.execute(_INSERT_MANY, {**params, "ids": ids[start : start + size]})
            new_ids = [row[0] for row in cursor.fetchall()]
            if new_ids:
                inserted += len(new_ids)
                transaction.on_commit(partial(_enqueue_batch, new_ids))
    return inserted


# --- claiming: policy decides what goes, and on which channel ---------------------------------


def notifications_claim_due(
    *, now: datetime | None = None, batch: int = 100, ids: Sequence[int] | None = None
) -> list[int]:
    """Mark due rows as sending and return their ids; hold, suppress or re-route by policy.

    `ids` limits the claim to those rows (a fan-out chunk); otherwise the oldest due rows.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due_rows = Notification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=Status.PENDING, scheduled_for__lte=now
        )
        if ids is not None:
            due_rows = due_rows.filter(pk__in=list(ids))
        due = list(
            due_rows.select_related("recipient").order_by("recipient_id", "scheduled_for", "id")[
                : (len(ids) if ids is not None else batch)
            ]
        )
        recipient_ids = {row.recipient_id for row in due if row.recipient_id}
        preferences = {
            pref.user_id: pref
            for pref in NotificationPreference.objects.filter(user_id__in=recipient_ids)
        }
        mutes = set(
            CommunityMute.objects.filter(user_id__in=recipient_ids).values_list(
                "user_id", "community_id"
            )
        )
        claimed: list[Notification] = []
        changed: list[Notification] = []
        locked_recipients: set[int] = set()
        for notification in due:
            preference = preferences.get(notification.recipient_id or 0)
            refusal = _refusal(notification, preference, mutes)
            if refusal:
                notification.status = Status.SUPPRESSED
                notification.last_error = refusal
                changed.append(notification)
                continue
            if notification.kind == Notification.Kind.MARKETING:
                if policy.in_quiet_hours(now):
                    notification.scheduled_for = policy.quiet_hours_end(now)
                    changed.append(notification)
                    continue
                # Marketing always has a recipient (a check constraint says so).
                recipient_id = notification.recipient_id or 0
                if recipient_id not in locked_recipients:
                    _lock_recipient(recipient_id)
                    locked_recipients.add(recipient_id)
                sent_today = _marketing_sent_today(recipient_id, now) + sum(
                    1
                    for other in claimed
                    if other.recipient_id == recipient_id
                    and other.kind == Notification.Kind.MARKETING
                )
                if sent_today >= settings.NOTIFICATIONS_MARKETING_DAILY_CAP:
                    notification.status = Status.SUPPRESSED
                    notification.last_error = "已达每日营销消息上限"
                    changed.append(notification)
                    continue
            channel = _channel_for(notification, preference)
            if channel is None:
                notification.status = Status.SUPPRESSED
                notification.last_error = "接收人关闭了可用的通知渠道"
                changed.append(notification)
                continue
            notification.channel = channel
            notification.status = Status.SENDING
            notification.claimed_at = now
            notification.sent_at = now  # counts toward today's cap from the moment it is claimed
            claimed.append(notification)
        Notification.objects.bulk_update(
            changed + claimed,
            ["status", "last_error", "scheduled_for", "channel", "claimed_at", "sent_at"],
        )
    return [notification.pk for notification in claimed]


def _refusal(
    notification: Notification,
    preference: NotificationPreference | None,
    mutes: set[tuple[int, int]],
) -> str:
    """Why the member's own choices stop this message, or "" when they don't."""
    if notification.recipient_id is None:
        return ""
    marketing = notification.kind == Notification.Kind.MARKETING
    if marketing and preference is not None and preference.marketing_opted_out_at is not None:
        return "接收人已退订营销消息"
    if (
        marketing
        and notification.community_id is not None
        and (notification.recipient_id, notification.community_id) in mutes
    ):
        return "接收人已对该社群设置免打扰"
    return ""


def _channel_for(
    notification: Notification, preference: NotificationPreference | None
) -> str | None:
    """The requested channel unless the member turned it off; then the first channel they
    left on and can be reached on; None when there is none."""
    requested = notification.channel
    if preference is None or notification.address or preference.channel_enabled(requested):
        return requested
    for channel in FALLBACK_ORDER:
        if preference.channel_enabled(channel) and reachable(notification, channel):
            return channel
    return None


def _lock_recipient(recipient_id: int) -> None:
    """Serialise cap decisions per recipient across workers, until the transaction ends.

    Rows are visited in recipient order, so two workers take these locks in the same order.
    """
    advisory_lock(LockSpace.NOTIFICATION_RECIPIENT, recipient_id)


def _marketing_sent_today(recipient_id: int, now: datetime) -> int:
    start, end = policy.local_day_bounds(now)
    return Notification.objects.filter(
        Q(status=Status.SENT) | Q(status=Status.SENDING),
        recipient_id=recipient_id,
        kind=Notification.Kind.MARKETING,
        sent_at__gte=start,
        sent_at__lt=end,
    ).count()


# --- delivering -------------------------------------------------------------------------------


def notifications_deliver(*, notification_ids: Sequence[int]) -> int:
    """Send claimed rows, outside any transaction (channels are remote calls), one batch call
    per channel; returns how many were sent."""
    rows = list(
        Notification.objects.select_related("recipient")
        .filter(pk__in=list(notification_ids), status=Status.SENDING)
        .order_by("pk")
    )
    by_channel: dict[str, list[Notification]] = defaultdict(list)
    for notification in rows:
        by_channel[notification.channel].append(notification)
    now = timezone.now()
    for channel, batch in by_channel.items():
        try:
            outcome = SENDERS[channel](batch)
        except Exception as error:  # a sender bug or outage: the whole batch retries
            logger.warning("notification batch on %s failed: %s", channel, error)
            outcome = dict.fromkeys((row.pk for row in batch), str(error)[:500])
        for notification in batch:
            _record(notification, outcome.get(notification.pk, "没有发送结果"), now=now)
    Notification.objects.bulk_update(
        rows, ["status", "attempts", "last_error", "sent_at", "scheduled_for"]
    )
    return sum(1 for row in rows if row.status == Status.SENT)


def _record(notification: Notification, result: str | UndeliverableError, *, now: datetime) -> None:
    notification.attempts += 1
    if result == "":
        notification.status = Status.SENT
        notification.sent_at = timezone.now()
        return
    notification.sent_at = None  # the claim's provisional time: nothing was sent
    notification.last_error = str(result)[:500]
    if isinstance(result, UndeliverableError) or notification.attempts >= MAX_ATTEMPTS:
        notification.status = Status.FAILED
        return
    logger.warning("notification %s failed: %s", notification.pk, result)
    notification.status = Status.PENDING
    # Exponential backoff: 2, 4, 8, 16 minutes.
    notification.scheduled_for = now + timedelta(minutes=2**notification.attempts)


def notification_deliver(*, notification_id: int) -> bool:
    """Send one claimed row."""
    return notifications_deliver(notification_ids=[notification_id]) == 1


def notifications_send_due(*, now: datetime | None = None, batch: int = 100) -> int:
    """Claim and send due messages; returns how many were sent."""
    claimed = notifications_claim_due(now=now, batch=batch)
    return notifications_deliver(notification_ids=claimed) if claimed else 0


def notifications_send_batch(
    *, notification_ids: Sequence[int], now: datetime | None = None
) -> int:
    """A fan-out chunk: claim those of these rows still due and send them together."""
    claimed = notifications_claim_due(now=now, ids=notification_ids)
    return notifications_deliver(notification_ids=claimed) if claimed else 0


# --- recovery ---------------------------------------------------------------------------------


def notifications_requeue_stuck(*, now: datetime | None = None) -> int:
    """The sweeper: rows a crashed worker left "sending" go back to the queue (that attempt
    counts), or end as failed once they have used their attempts. Returns how many moved.

    A worker that died after the channel accepted but before it recorded "sent" makes this a
    second send; that is the price of not losing messages, and only after a crash."""
    now = now or timezone.now()
    stuck = Q(
        status=Status.SENDING,
        claimed_at__lt=now - timedelta(minutes=settings.NOTIFICATIONS_STUCK_MINUTES),
    )
    with transaction.atomic():
        failed = Notification.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS - 1).update(
            status=Status.FAILED,
            attempts=MAX_ATTEMPTS,
            sent_at=None,
            last_error="发送中断（进程退出），已达最大尝试次数",
        )
        requeued = Notification.objects.filter(stuck).update(
            status=Status.PENDING,
            attempts=F("attempts") + 1,
            sent_at=None,
            scheduled_for=now,
            last_error="发送中断（进程退出），已重新排队",
        )
    if requeued:
        transaction.on_commit(_enqueue_sending)
    return failed + requeued


def notifications_retry(*, notification_ids: Sequence[int]) -> int:
    """The admin's "retry": failed (or suppressed) rows are queued again with fresh attempts."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status__in=[Status.FAILED, Status.SUPPRESSED])
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Status.PENDING, attempts=0, scheduled_for=timezone.now(), sent_at=None
        )
        if ids:
            transaction.on_commit(lambda: _enqueue_batch(ids))
    return len(ids)


# --- the member's choices ---------------------------------------------------------------------


def notification_preference_update(
    *, user: User, email: bool, sms: bool, wechat: bool, marketing: bool
) -> NotificationPreference:
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        preference.email_enabled = email
        preference.sms_enabled = sms
        preference.wechat_enabled = wechat
        if not marketing and preference.marketing_opted_out_at is None:
            preference.marketing_opted_out_at = timezone.now()
        elif marketing:
            preference.marketing_opted_out_at = None
        preference.save()
    return preference


def marketing_opt_out(*, user_id: int) -> bool:
    """The one-click unsubscribe; True when it changed something (a repeat click is harmless)."""
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(
            user_id=user_id
        )
        if preference.marketing_opted_out_at is not None:
            return False
        preference.marketing_opted_out_at = timezone.now()
        preference.save(update_fields=["marketing_opted_out_at", "updated_at"])
        # What is already queued is withdrawn too, not only what comes later.
        Notification.objects.filter(
            recipient_id=user_id, kind=Notification.Kind.MARKETING, status=Status.PENDING
        ).update(status=Status.SUPPRESSED, last_error="接收人已退订营销消息")
    return True


def community_mutes_set(
    *, user: User, community_ids: Iterable[int], allowed: Iterable[int]
) -> None:
    """Mute exactly `community_ids` among `allowed` (the groups the member is in)."""
    allowed_ids = set(allowed)
    wanted = set(community_ids) & allowed_ids
    with transaction.atomic():
        CommunityMute.objects.filter(user=user, community_id__in=allowed_ids - wanted).delete()
        CommunityMute.objects.bulk_create(
            [CommunityMute(user=user, community_id=pk) for pk in sorted(wanted)],
            ignore_conflicts=True,
        )
