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
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from apps.chains.models import Chain, ChainItem
from apps.communities.models import Membership
from apps.orders.models import Order, OrderLine, OrderRefund
from apps.webhooks import payloads
from apps.webhooks.models import EventType
from apps.webhooks.services import (
    anyone_subscribed,
    event_subscriptions,
    webhook_event_publish,
)


def _after_commit(publish: Any) -> None:
    # robust: a failure to record webhooks is logged, never turned into an error for the user
    # whose change has already committed.
    transaction.on_commit(publish, robust=True)


def _order_event(event_type: str, order_id: int, refund_id: int | None = None) -> None:
    def publish(event_id: str, occurred_at: Any) -> None:
        if not anyone_subscribed(event_type):
            return
        subscriptions = event_subscriptions(
            event_type=event_type,
            occurred_at=occurred_at,
            community_id=Order.objects.filter(pk=order_id).values("community_id")[:1],
            merchant_ids=OrderLine.objects.filter(order_id=order_id).values(
                "sku__product__merchant_id"
            ),
        )
        if not subscriptions:
            return
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
        webhook_event_publish(
            subscriptions=subscriptions,
            event_type=event_type,
            event_id=event_id,
            occurred_at=occurred_at,
            community=order.community,
            render=lambda merchant: payloads.order_data(order, merchant=merchant, refund=refund),
        )

    _after_commit(partial(publish, str(uuid.uuid4()), timezone.now()))


def _chain_event(event_type: str, chain_id: int) -> None:
    def publish(event_id: str, occurred_at: Any) -> None:
        if not anyone_subscribed(event_type):
            return
        subscriptions = event_subscriptions(
            event_type=event_type,
            occurred_at=occurred_at,
            community_id=Chain.objects.filter(pk=chain_id).values("community_id")[:1],
            merchant_ids=ChainItem.objects.filter(chain_id=chain_id).values(
                "sku__product__merchant_id"
            ),
        )
        if not subscriptions:
            return
        chain = (
            Chain.objects.select_related("community")
            .prefetch_related(
                Prefetch("items", queryset=ChainItem.objects.select_related("sku__product"))
            )
            .get(pk=chain_id)
        )
        webhook_event_publish(
            subscriptions=subscriptions,
            event_type=event_type,
            event_id=event_id,
            occurred_at=occurred_at,
            community=chain.community,
            render=lambda merchant: payloads.chain_data(chain, merchant=merchant),
        )

    _after_commit(partial(publish, str(uuid.uuid4()), timezone.now()))


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

    def publish(event_id: str, occurred_at: Any) -> None:
        if not anyone_subscribed(EventType.MEMBER_JOINED):
            return
        subscriptions = event_subscriptions(
            event_type=EventType.MEMBER_JOINED,
            occurred_at=occurred_at,
            community_id=community_id,
            merchant_ids=None,  # membership is the group's business, not its suppliers'
        )
        if not subscriptions:
            return
        joined = Membership.objects.select_related("community", "user").get(pk=membership_id)
        webhook_event_publish(
            subscriptions=subscriptions,
            event_type=EventType.MEMBER_JOINED,
            event_id=event_id,
            occurred_at=occurred_at,
            community=joined.community,
            render=lambda merchant: payloads.member_data(joined),
        )

    _after_commit(partial(publish, str(uuid.uuid4()), timezone.now()))
