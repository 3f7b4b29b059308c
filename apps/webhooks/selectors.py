"""Reads of webhooks and the bot API's scoped querysets."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
from apps.communities.models import Community, Membership
from apps.communities.selectors import MANAGING_ROLES
from apps.orders.models import Order, OrderLine
from apps.webhooks.models import BotToken, WebhookDelivery, WebhookSubscription


def subscriptions_of(community: Community) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(community=community).order_by("pk")


def subscriptions_with_counts(community: Community) -> QuerySet[WebhookSubscription]:
    """The list page: each subscription with its pending and failed deliveries counted."""
    return subscriptions_of(community).annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status="pending")),
        failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
    )


def delivery_log(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (one query for the page's attempts)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-pk")
    )


def bot_tokens_of(community: Community) -> QuerySet[BotToken]:
    return (
        BotToken.objects.filter(community=community)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )


def bot_token_by_hash(key_hash: str) -> BotToken | None:
    """An unrevoked token whose creator still runs its community, with the community: one query.

    A leader who stepped down (or left) takes their tokens' access with them.
    """
    creator_manages = Membership.objects.filter(
        community=OuterRef("community_id"),
        user=OuterRef("created_by_id"),
        role__in=MANAGING_ROLES,
        left_at__isnull=True,
    )
    return (
        BotToken.objects.select_related("community")
        .filter(
            key_hash=key_hash,
            revoked_at__isnull=True,
            community__dissolved_at__isnull=True,
        )
        .filter(Exists(creator_manages))
        .first()
    )


def bot_chains(community: Community) -> QuerySet[Chain]:
    """What a bot may read: the community's chains once published (never drafts)."""
    return (
        Chain.objects.filter(community=community)
        .exclude(status=Chain.Status.DRAFT)
        .select_related("community")
    )


def bot_chains_detailed(community: Community) -> QuerySet[Chain]:
    return bot_chains(community).prefetch_related(
        Prefetch("items", queryset=ChainItem.objects.order_by("position", "pk")),
        Prefetch("pickup_points", queryset=PickupPoint.objects.order_by("pk")),
    )


def bot_entries(chain: Chain) -> QuerySet[ChainEntry]:
    return (
        ChainEntry.objects.filter(chain=chain)
        .select_related("order")
        .prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("sequence")
    )


def bot_orders(community: Community) -> QuerySet[Order]:
    """Orders placed on the community's chains, each with its entry and lines."""
    return (
        Order.objects.filter(chain_entry__chain__community=community)
        .select_related("chain_entry")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
    )
