"""Chains listen to order events: stock given back to the SKU goes back to the chain's cap too;
and to communities: a dissolved group's open chains close."""

from collections import Counter
from typing import Any

from apps.chains.models import Chain
from apps.chains.services import chain_close, chain_items_release
from apps.communities.models import Community
from apps.orders.models import Order, OrderLine


def release_on_cancel(*, order: Order, lines: list[OrderLine], **kwargs: Any) -> None:
    released: Counter[int] = Counter()
    for line in lines:
        released[line.sku_id] += line.quantity
    chain_items_release(order=order, quantities=released)


def release_on_restock(
    *, order: Order, restocked: list[tuple[OrderLine, int]], **kwargs: Any
) -> None:
    released: Counter[int] = Counter()
    for line, quantity in restocked:
        released[line.sku_id] += quantity
    chain_items_release(order=order, quantities=released)


def close_on_dissolve(*, community: Community, **kwargs: Any) -> None:
    """Close (not cancel) the group's open chains: orders taken stay and are handed out."""
    for chain in Chain.objects.filter(community=community, status=Chain.Status.OPEN).order_by("pk"):
        chain_close(chain=chain, actor=None)


def community_ran_chains(community: Community) -> bool:
    """The lifecycle playbook's 群接龙带货 step: the group has opened a chain."""
    return Chain.objects.filter(community=community).exclude(status=Chain.Status.DRAFT).exists()
