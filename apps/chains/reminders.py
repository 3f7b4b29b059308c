"""Reminders about chains and their orders, run by beat (apps/chains/tasks.py).

Each reminder has one dedupe key per recipient, reason and subject, so a rerun, a retried task or
two overlapping beats queue nothing twice; each run looks back over a window longer than its
interval, so a missed beat is caught up on the next one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.analytics.models import Event
from apps.analytics.tracking import subject_label
from apps.chains.models import Chain, ChainEntry
from apps.chains.receipts import receipt_url
from apps.communities.models import Membership
from apps.notifications.links import absolute
from apps.notifications.models import Notification
from apps.notifications.services import notify, notify_many
from apps.orders.models import Order, OrderLog

Kind = Notification.Kind
Channel = Notification.Channel
# Orders that count as "ordered": anything but an order the member called off.
ORDERED = ~Q(status=Order.Status.CANCELLED)
ORDERED_ENTRY = ~Q(entries__order__status=Order.Status.CANCELLED)
PAID_ENTRY = Q(entries__order__paid_at__isnull=False) & ORDERED_ENTRY
LOOKBACK = timedelta(days=2)
PICKUP_DAY_HOUR = 9  # the pickup-day reminder goes out from 09:00 local time


def _queued(keys: list[str]) -> set[str]:
    """Which of these keys already have a message: one query, so a rerun touches nothing."""
    return set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


def chain_viewers_without_order(*, chain: Chain) -> list[int]:
    """Signed-in members of the chain's group who opened it and have no order in it.

    Views come from analytics (`chain_viewed`): `actor` is the signed-in user; `distinct_id`
    is only a browser id, so anonymous views cannot be reminded and are left out."""
    viewers = Event.objects.filter(
        name="chain_viewed",
        subject_type=subject_label(chain),
        subject_id=chain.pk,
        actor_id__isnull=False,
    ).values("actor_id")
    buyers = Order.objects.filter(ORDERED, chain_entry__chain=chain, buyer_id__isnull=False).values(
        "buyer_id"
    )
    return list(
        Membership.objects.filter(
            community_id=chain.community_id, left_at=None, user__is_active=True
        )
        .filter(user_id__in=viewers)
        .exclude(user_id__in=buyers)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def chains_remind_closing_soon(*, now: datetime | None = None) -> int:
    """Marketing (cap and quiet hours apply): "closes in N hours" to viewers who have not
    ordered, fanned out in chunks. Returns how many reminders were queued."""
    now = now or timezone.now()
    window = timedelta(hours=settings.NOTIFICATIONS_CHAIN_CLOSING_HOURS)
    chains = (
        Chain.objects.filter(
            status=Chain.Status.OPEN,
            opens_at__lte=now,
            closes_at__gt=now,
            closes_at__lte=now + window,
        )
        .select_related("community")
        .order_by("closes_at", "pk")
    )
    queued = 0
    for chain in chains:
        with transaction.atomic():
            queued += notify_many(
                recipient_ids=chain_viewers_without_order(chain=chain),
                template="chain_closing_soon",
                dedupe_prefix=f"chain.closing_soon:{chain.pk}",
                kind=Kind.MARKETING,
                channel=Channel.SMS,
                community_id=chain.community_id,
                context={
                    "title": chain.title,
                    "community": chain.community.name,
                    "closes_at": _local(chain.closes_at),
                    "url": absolute(f"/c/{chain.slug}/"),
                },
            )
    return queued


def chains_report_closed(*, now: datetime | None = None) -> int:
    """A summary to the leader of each chain closed in the last two days, once."""
    now = now or timezone.now()
    chains = (
        Chain.objects.filter(status=Chain.Status.CLOSED, closed_at__gte=now - LOOKBACK)
        .select_related("leader")
        .annotate(
            orders=Count("entries", filter=ORDERED_ENTRY),
            paid=Count("entries", filter=PAID_ENTRY),
            paid_amount=Sum("entries__order__paid_amount", filter=PAID_ENTRY),
        )
        .order_by("pk")
    )
    closed = list(chains)
    already = _queued([f"chain.closed:{chain.pk}" for chain in closed])
    queued = 0
    for chain in closed:
        if f"chain.closed:{chain.pk}" in already:
            continue
        with transaction.atomic():
            notify(
                recipient=chain.leader,
                template="chain_closed_summary",
                dedupe_key=f"chain.closed:{chain.pk}",
                channel=Channel.SMS if chain.leader.phone else Channel.EMAIL,
                community_id=chain.community_id,
                context={
                    "title": chain.title,
                    "orders": chain.orders,
                    "paid": chain.paid,
                    "unpaid": chain.orders - chain.paid,
                    "paid_amount": f"{chain.paid_amount or 0:.2f}",
                    "url": absolute(f"/leader/chains/{chain.pk}/"),
                },
            )
        queued += 1
    return queued


def _order_notify(*, order: Order, template: str, key: str, context: dict[str, str]) -> None:
    """To the buyer's account, or to the phone on the order when it was placed as a guest."""
    notify(
        recipient=order.buyer,
        address="" if order.buyer_id else order.contact_phone,
        template=template,
        dedupe_key=key,
        channel=Channel.SMS,
        community_id=order.community_id,
        context=context,
    )


def _entry_context(entry: ChainEntry) -> dict[str, str]:
    point = entry.pickup_point
    return {
        "title": entry.chain.title,
        "number": entry.order.number,
        "sequence": str(entry.sequence),
        "pickup_code": entry.pickup_code,
        "pickup_point": point.name if point else "",
        "pickup_address": point.address if point else "",
        "opening_hours": point.opening_hours if point else "",
        "url": absolute(receipt_url(entry)),
    }


def orders_remind_payment(*, now: datetime | None = None) -> int:
    """Transactional: an order still unpaid NOTIFICATIONS_PAYMENT_PENDING_MINUTES after it was
    placed gets one reminder (the unpaid-order timeout cancels it later)."""
    now = now or timezone.now()
    after = now - timedelta(minutes=settings.NOTIFICATIONS_PAYMENT_PENDING_MINUTES)
    unpaid = (
        ChainEntry.objects.filter(
            order__status=Order.Status.PENDING_PAYMENT,
            order__created_at__lte=after,
            order__created_at__gt=after - LOOKBACK,
        )
        .select_related("chain", "order", "pickup_point")
        .order_by("order_id")
    )
    entries = list(unpaid)
    already = _queued([f"order.payment_pending:{entry.order_id}" for entry in entries])
    queued = 0
    for entry in entries:
        if f"order.payment_pending:{entry.order_id}" in already:
            continue
        context = _entry_context(entry) | {"amount": f"{entry.order.total_amount:.2f}"}
        with transaction.atomic():
            _order_notify(
                order=entry.order,
                template="order_payment_pending",
                key=f"order.payment_pending:{entry.order_id}",
                context=context,
            )
        queued += 1
    return queued


def orders_remind_pickup(*, now: datetime | None = None) -> int:
    """Transactional: "ready for pickup" once an order is marked ready, and "pickup day" on the
    next morning (from 09:00) for an order marked ready the day before and still not collected.

    Chains have no pickup date of their own, so the day after goods arrive is the pickup day."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    # When each order was (last) marked ready: the pickup day is the local day after that.
    ready_at = dict(
        OrderLog.objects.filter(
            to_status=Order.Status.READY_FOR_PICKUP, created_at__gte=now - LOOKBACK
        )
        .order_by("order_id", "created_at")
        .values_list("order_id", "created_at")
    )
    ready = (
        ChainEntry.objects.filter(
            order__status=Order.Status.READY_FOR_PICKUP, order_id__in=list(ready_at)
        )
        .select_related("chain", "order", "pickup_point")
        .order_by("order_id")
    )
    entries = list(ready)
    already = _queued(
        [
            f"order.{which}:{entry.order_id}"
            for entry in entries
            for which in ("ready", "pickup_day")
        ]
    )
    queued = 0
    for entry in entries:
        context = _entry_context(entry)
        keys = [("order_ready_for_pickup", f"order.ready:{entry.order_id}")]
        marked = timezone.localtime(ready_at.get(entry.order_id, now))
        if marked.date() < local_now.date() and local_now.hour >= PICKUP_DAY_HOUR:
            keys.append(("order_pickup_day", f"order.pickup_day:{entry.order_id}"))
        for template, key in keys:
            if key in already:
                continue
            with transaction.atomic():
                _order_notify(order=entry.order, template=template, key=key, context=context)
            queued += 1
    return queued
