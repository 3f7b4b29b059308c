import time

from celery import shared_task
from django.conf import settings

from apps.notifications.services import (
    notifications_claim_due,
    notifications_deliver,
    notifications_requeue_stuck,
    notifications_send_batch,
)

# A failed send is not retried by Celery: the outbox row carries its own attempts and backoff
# (scheduled_for), and the periodic send_due picks it up again when it is due.


# One send_due run keeps claiming while a full batch comes back, for up to this long, so a
# backlog (marketing held through quiet hours, say) drains in minutes, not a batch a minute.
SEND_DUE_SECONDS = 60


@shared_task(name="notifications.send_due")
def send_due_notifications() -> int:
    batch = settings.NOTIFICATIONS_CHUNK_SIZE
    deadline = time.monotonic() + SEND_DUE_SECONDS
    sent = 0
    while True:
        claimed = notifications_claim_due(batch=batch)
        if claimed:
            sent += notifications_deliver(notification_ids=claimed)
        if len(claimed) < batch or time.monotonic() > deadline:
            return sent


@shared_task(name="notifications.send_batch")
def send_notification_batch(notification_ids: list[int]) -> int:
    """One fan-out chunk (NOTIFICATIONS_CHUNK_SIZE rows): claimed together, sent with one call
    per channel where the channel takes batches."""
    return notifications_send_batch(notification_ids=notification_ids)


@shared_task(name="notifications.requeue_stuck")
def requeue_stuck_notifications() -> int:
    return notifications_requeue_stuck()
