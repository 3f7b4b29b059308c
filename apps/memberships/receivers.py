"""Memberships listen to order events: a paid membership order grants its period, a refund of
its line takes the period back."""

from typing import Any

from apps.memberships.services import subscription_extend, subscription_revoke
from apps.orders.models import Order, OrderRefund


def grant_on_paid(*, order: Order, **kwargs: Any) -> None:
    subscription_extend(order=order)


def revoke_on_refund(*, order: Order, refund: OrderRefund, **kwargs: Any) -> None:
    """A membership line is one period, quantity 1: orders refund whole quantities, so a refund
    that touches the line refunds it entirely and the period goes. (A membership order has no
    other lines, so there is no partial refund of it to prorate.)"""
    if refund.lines.filter(line__sku__membership_plan__isnull=False).exists():
        subscription_revoke(order=order)
