"""Pickup points (自提点) of a community, kept by its owner and admins."""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.chains.models import PickupPoint
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.errors import InvalidInput, PermissionDenied


def _require_manager(*, community: Community, actor: User) -> None:
    if not communities_managed_by(actor).filter(pk=community.pk).exists():
        raise PermissionDenied(_("只有群主和管理员可以管理自提点"))


@transaction.atomic
def pickup_point_create(
    *,
    community: Community,
    actor: User,
    name: str,
    address: str,
    contact: str = "",
    opening_hours: str = "",
) -> PickupPoint:
    _require_manager(community=community, actor=actor)
    if not name.strip():
        raise InvalidInput(_("请填写自提点名称"), field="name")
    if not address.strip():
        raise InvalidInput(_("请填写自提点地址"), field="address")
    return PickupPoint.objects.create(
        community=community,
        name=name.strip(),
        address=address.strip(),
        contact=contact.strip(),
        opening_hours=opening_hours.strip(),
    )


@transaction.atomic
def pickup_point_set_active(*, point: PickupPoint, actor: User, active: bool) -> PickupPoint:
    """Retire a point (or bring it back). Entries keep theirs; new chains cannot pick it."""
    _require_manager(community=point.community, actor=actor)
    point.active = active
    point.save(update_fields=["active", "updated_at"])
    return point
