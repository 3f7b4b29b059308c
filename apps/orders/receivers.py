from typing import Any

from django.db.models import Q

from apps.accounts.models import User
from apps.communities.models import Community
from apps.orders.models import Order


def claim_orders_by_phone(*, user: User, phone: str, **kwargs: Any) -> None:
    """Orders placed with this phone before its owner had an account become theirs."""
    Order.objects.filter(buyer=None, contact_phone=phone).update(buyer=user)


def mask_anonymised_contacts(*, community: Community, users: list[User], **kwargs: Any) -> None:
    """Members of a temporary group being anonymised: their contact snapshots on its orders go
    too (name, phone and the note, which often holds an address). Amounts and lines stay."""
    if not users:
        return
    phones = [user.phone for user in users if user.phone]
    Order.objects.filter(community=community).filter(
        Q(buyer__in=users) | Q(contact_phone__in=phones)
    ).update(contact_name="已匿名", contact_phone="", note="")
