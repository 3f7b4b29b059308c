"""Domain events become webhook deliveries once their transaction has committed.

A receiver runs inside the change's transaction; it only notes the event (its id and time are
fixed now) and registers the recording for after the commit, so a rolled-back change sends
nothing and the order's hot path pays nothing here. After the commit the event is recorded
against the subscriptions that want it, reading the committed rows (an order's chain entry
exists by then), and each delivery is handed to Celery. First one small query asks whether any
subscription anywhere wants the event type; only then are the owners' subscriptions read, and the
event's rows only when one of them wants it. An event nobody subscribed to (the usual case) costs
that one query.
"""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.chains.models import Chain, ChainItem
from apps.communities.models import Community, Membership
from apps.orders.models import Order, OrderLine, OrderRefund
from apps.webhooks import payloads
from apps.webhooks.models import EventType
from apps.webhooks.services import (
    Render,
    anyone_subscribed,
    event_subscriptions,
    webhook_event_publish,
)

# (the community's id or a one-row subquery giving it, the merchants' ids as a subquery or None)
Owners = tuple[int | QuerySet[Any], QuerySet[Any] | None]
# (the community, the event's data as each subscriber may see it)
Source = tuple[Community, Render]


def _record_after_commit(
    event_type: str, *, owners: Callable[[], Owners], load: Callable[[], Source]
) -> None:
    """After the commit: ask whether anyone wants `event_type` at all, then read the owners'
    subscriptions that want it, and only for them load and render the event.

    robust: a failure to record webhooks is logged, never turned into an error for the user whose
    change has already committed. The event's id and time are fixed now, inside the change."""

    def publish(event_id: str, occurred_at: Any) -> None:
        if not anyone_subscribed(event_type):
            return
        community_id, merchant_ids = owners()
        subscriptions = event_subscriptions(
            event_type=event_type,
            occurred_at=occurred_at,
            community_id=community_id,
            merchant_ids=merchant_ids,
        )
        if not subscriptions:
            return
        community, render = load()
        webhook_event_publish(
            subscriptions=subscriptions,
            event_type=event_type,
            event_id=event_id,
            occurred_at=occurred_at,
            community=community,
            render=render,
        )

    transaction.on_commit(partial(publish, str(uuid.uuid4()), timezone.now()), robust=True)


def _order_event(event_type: str, order_id: int, refund_id: int | None = None) -> None:
    def owners() -> Owners:
        return (
            Order.objects.filter(pk=order_id).values("community_id")[:1],
            OrderLine.objects.filter(order_id=order_id).values("sku__product__merchant_id"),
        )

    def load() -> Source:
        order = (
            Order.objects.select_related(
                "community", "chain_entry__chain", "chain_entry__pickup_point"
            )
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("sku__product"))
            )
            .get(pk=order_id)
        )
        refund = OrderRefund.objects.get(pk=refund_id) if refund_id else None
        return order.community, lambda merchant: payloads.order_data(
            order, merchant=merchant, refund=refund
        )

    _record_after_commit(event_type, owners=owners, load=load)


def _chain_event(event_type: str, chain_id: int) -> None:
    def owners() -> Owners:
        return (
            Chain.objects.filter(pk=chain_id).values("community_id")[:1],
            ChainItem.objects.filter(chain_id=chain_id).values("sku__product__merchant_id"),
        )

    def load() -> Source:
        chain = (
            Chain.objects.select_related("community")
            .prefetch_related(
                Prefetch("items", queryset=ChainItem.objects.select_related("sku__product"))
            )
            .get(pk=chain_id)
        )
        return chain.community, lambda merchant: payloads.chain_data(chain, merchant=merchant)

    _record_after_commit(event_type, owners=owners, load=load)


def on_order_placed(sender: Any, order: Order, **kwargs: Any) -> None:
    _order_event(EventType.ORDER_PLACED, order.pk)


def on_order_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    _order_event(EventType.ORDER_PAID, order.pk)


def on_order_refunded(sender: Any, order: Order, refund: OrderRefund, **kwargs: Any) -> None:
    _order_event(EventType.ORDER_REFUNDED, order.pk, refund_id=refund.pk)


def on_chain_opened(sender: Any, chain: Chain, **kwargs: Any) -> None:
    _chain_event(EventType.CHAIN_OPENED, chain.pk)


def on_chain_closed(sender: Any, chain: Chain, **kwargs: Any) -> None:
    _chain_event(EventType.CHAIN_CLOSED, chain.pk)


def on_member_joined(sender: Any, membership: Membership, **kwargs: Any) -> None:
    membership_id, community_id = membership.pk, membership.community_id

    def load() -> Source:
        joined = Membership.objects.select_related("community", "user").get(pk=membership_id)
        return joined.community, lambda merchant: payloads.member_data(joined)

    # Membership is the group's business, not its suppliers': no merchant subscriptions.
    _record_after_commit(EventType.MEMBER_JOINED, owners=lambda: (community_id, None), load=load)
