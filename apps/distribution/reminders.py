"""Commission reminders (beat: apps/distribution/tasks.py): "your commission on order N is now
available" once its after-sales window has passed, and "your payout was paid" per batch line.

One key per beneficiary and order (or batch); each run looks back two days, so reruns and
missed beats neither repeat nor lose a message.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.distribution.models import CommissionEntry, PayoutBatch, PayoutLine
from apps.distribution.selectors import frozen_days
from apps.notifications.links import absolute
from apps.notifications.models import Notification
from apps.notifications.services import notify

LOOKBACK = timedelta(days=2)


def _queued(keys: list[str]) -> set[str]:
    return set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )


def _send(*, user: User, template: str, key: str, context: dict[str, str]) -> None:
    with transaction.atomic():
        notify(
            recipient=user,
            template=template,
            dedupe_key=key,
            channel=Notification.Channel.SMS if user.phone else Notification.Channel.EMAIL,
            context=context | {"url": absolute(reverse("distribution:mine"))},
        )


def commissions_remind_available(*, now: datetime | None = None) -> int:
    """Per beneficiary and order whose frozen window ended in the look-back, with a positive
    net commission (accruals less reversals)."""
    now = now or timezone.now()
    release = now - timedelta(days=frozen_days())
    rows = list(
        CommissionEntry.objects.filter(
            order__completed_at__lte=release, order__completed_at__gt=release - LOOKBACK
        )
        .values("order_id", "beneficiary_id")
        .annotate(amount=Sum("amount"))
        .filter(amount__gt=0)
        .order_by("order_id", "beneficiary_id")
    )
    keys = {
        (row["order_id"], row["beneficiary_id"]): (
            f"distribution.available:{row['order_id']}:{row['beneficiary_id']}"
        )
        for row in rows
    }
    already = _queued(list(keys.values()))
    users = User.objects.in_bulk({row["beneficiary_id"] for row in rows})
    queued = 0
    for row in rows:
        key = keys[(row["order_id"], row["beneficiary_id"])]
        if key in already:
            continue
        _send(
            user=users[row["beneficiary_id"]],
            template="commission_available",
            key=key,
            context={"amount": f"{row['amount']:.2f}", "order_id": str(row["order_id"])},
        )
        queued += 1
    return queued


def payouts_remind_paid(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    lines = list(
        PayoutLine.objects.filter(
            batch__status=PayoutBatch.Status.PAID, batch__paid_at__gte=now - LOOKBACK
        )
        .select_related("batch", "beneficiary")
        .order_by("batch_id", "beneficiary_id")
    )
    already = _queued(
        [f"distribution.payout_paid:{line.batch_id}:{line.beneficiary_id}" for line in lines]
    )
    queued = 0
    for line in lines:
        key = f"distribution.payout_paid:{line.batch_id}:{line.beneficiary_id}"
        if key in already:
            continue
        _send(
            user=line.beneficiary,
            template="payout_paid",
            key=key,
            context={"amount": f"{line.amount:.2f}", "reference": line.batch.reference},
        )
        queued += 1
    return queued
