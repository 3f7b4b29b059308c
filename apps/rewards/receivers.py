"""Rewards listens to communities (a new member gets the welcome gift) and to orders (a coupon
comes back when its order is cancelled before payment; a refund keeps it used)."""

from typing import Any

from apps.communities.models import Membership
from apps.orders.models import Order
from apps.rewards.services import coupon_release, welcome_gift_give


def give_welcome_gift(*, membership: Membership, **kwargs: Any) -> None:
    welcome_gift_give(membership=membership)


def release_coupon_on_cancel(*, order: Order, **kwargs: Any) -> None:
    coupon_release(order=order)
