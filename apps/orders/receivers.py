from typing import Any

from apps.accounts.models import User
from apps.orders.models import Order


def claim_orders_by_phone(*, user: User, phone: str, **kwargs: Any) -> None:
    """Orders placed with this phone before its owner had an account become theirs."""
    Order.objects.filter(buyer=None, contact_phone=phone).update(buyer=user)
