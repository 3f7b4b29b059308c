"""Chains listen to order events: stock given back to the SKU goes back to the chain's cap too."""

from collections import Counter
from typing import Any

from apps.chains.services import chain_items_release
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
