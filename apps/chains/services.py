"""Chain writes: creating and running a chain (placing an order on it is apps/chains/ordering.py).

Every transaction here takes its locks in the one order apps/chains/ordering.py states, so none
can deadlock with an order being placed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.catalog.models import SKU
from apps.catalog.selectors import skus_sellable_by
from apps.chains import events
from apps.chains.models import Chain, ChainItem, PickupPoint

# Placing an order is ordering.py (the whole statement and its locks); its entry points stay
# importable from here, where every chain write is looked for.
from apps.chains.ordering import chain_items_release as chain_items_release
from apps.chains.ordering import chain_order_place as chain_order_place
from apps.chains.ordering import item_price as item_price
from apps.communities.models import Community
from apps.communities.moderation import text_check
from apps.communities.selectors import communities_managed_by
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from apps.core.money import money
from apps.orders import services as orders
from apps.orders.models import Order
from apps.payments import services as payments

Status = Chain.Status


@dataclass(frozen=True)
class ItemSpec:
    sku: SKU
    group_price: Decimal
    stock_cap: int
    per_person_limit: int | None = None
    title: str = ""
    member_price: Decimal | None = None


@dataclass(frozen=True)
class ChainDetails:
    title: str
    description: str
    closes_at: datetime
    opens_at: datetime | None = None
    fulfilment: str = Chain.Fulfilment.PICKUP
    min_group_size: int | None = None
    members_only: bool = False


# --- Leader: creating and running a chain ------------------------------------------------------


def chain_require_leader(*, chain: Chain, user: User) -> None:
    """Only the chain's leader and the owner or admins of its community run it."""
    if chain.leader_id == user.pk:
        return
    if not communities_managed_by(user).filter(pk=chain.community_id).exists():
        raise PermissionDenied(_("只有团长和群管理员可以管理这个接龙"))


@transaction.atomic
def chain_create(
    *,
    leader: User,
    community: Community,
    details: ChainDetails,
    items: Sequence[ItemSpec],
    pickup_points: Sequence[PickupPoint] = (),
) -> Chain:
    if not communities_managed_by(leader).filter(pk=community.pk).exists():
        raise PermissionDenied(_("只能在你管理的群里发起接龙"))
    _require_community_open(community)
    _validate_details(details)
    _check_text(details=details, community=community, actor=leader)
    _validate_items(leader=leader, items=items)
    _validate_pickup_points(community=community, details=details, pickup_points=pickup_points)
    chain = Chain.objects.create(
        community=community,
        leader=leader,
        title=details.title.strip(),
        description=details.description.strip(),
        opens_at=details.opens_at or timezone.now(),
        closes_at=details.closes_at,
        fulfilment=details.fulfilment,
        min_group_size=details.min_group_size,
        members_only=details.members_only,
        slug=_new_slug(),
    )
    chain.pickup_points.set(pickup_points)
    ChainItem.objects.bulk_create(
        ChainItem(
            chain=chain,
            sku=spec.sku,
            title=spec.title.strip() or f"{spec.sku.product.title} {spec.sku.spec}",
            group_price=spec.group_price,
            member_price=spec.member_price,
            stock_cap=spec.stock_cap,
            remaining=spec.stock_cap,
            per_person_limit=spec.per_person_limit,
            position=index,
        )
        for index, spec in enumerate(items)
    )
    return chain


@transaction.atomic
def chain_update(
    *,
    chain: Chain,
    actor: User,
    details: ChainDetails,
    items: Sequence[ItemSpec] | None = None,
    pickup_points: Sequence[PickupPoint] | None = None,
) -> Chain:
    """Edit a chain. Items can change only while it is a draft: entries price against them."""
    chain_require_leader(chain=chain, user=actor)
    chain = Chain.objects.select_for_update().get(pk=chain.pk)
    if chain.status not in (Status.DRAFT, Status.OPEN):
        raise IllegalTransition(_("已截单或已取消的接龙不能修改"))
    _validate_details(details)
    _check_text(details=details, community=chain.community, actor=actor)
    if pickup_points is not None:
        _validate_pickup_points(
            community=chain.community, details=details, pickup_points=pickup_points
        )
        chain.pickup_points.set(pickup_points)
    chain.title = details.title.strip()
    chain.description = details.description.strip()
    chain.closes_at = details.closes_at
    if chain.status == Status.DRAFT and details.opens_at:
        chain.opens_at = details.opens_at
    chain.fulfilment = details.fulfilment
    chain.min_group_size = details.min_group_size
    chain.members_only = details.members_only
    chain.save(
        update_fields=[
            "title",
            "description",
            "closes_at",
            "opens_at",
            "fulfilment",
            "min_group_size",
            "members_only",
            "updated_at",
        ]
    )
    if items is not None:
        if chain.status != Status.DRAFT:
            raise IllegalTransition(_("接龙开团后不能修改商品"))
        _validate_items(leader=chain.leader, items=items)
        chain.items.all().delete()
        ChainItem.objects.bulk_create(
            ChainItem(
                chain=chain,
                sku=spec.sku,
                title=spec.title.strip() or f"{spec.sku.product.title} {spec.sku.spec}",
                group_price=spec.group_price,
                member_price=spec.member_price,
                stock_cap=spec.stock_cap,
                remaining=spec.stock_cap,
                per_person_limit=spec.per_person_limit,
                position=index,
            )
            for index, spec in enumerate(items)
        )
    return chain


@transaction.atomic
def chain_open(*, chain: Chain, actor: User) -> Chain:
    chain_require_leader(chain=chain, user=actor)
    chain = Chain.objects.select_for_update().get(pk=chain.pk)
    if chain.status != Status.DRAFT:
        raise IllegalTransition(_("只有草稿状态的接龙可以开团"))
    _require_community_open(chain.community)
    if chain.closes_at <= timezone.now():
        raise InvalidInput(_("截单时间已过，请先修改截单时间"), field="closes_at")
    if not chain.items.exists():
        raise InvalidInput(_("接龙至少需要一件商品"), field="items")
    chain.status = Status.OPEN
    chain.save(update_fields=["status", "updated_at"])
    track("chain_opened", actor=actor, community=chain.community_id, subject=chain)
    events.chain_opened.send(sender=Chain, chain=chain, actor=actor)
    return chain


@transaction.atomic
def chain_close(*, chain: Chain, actor: User | None) -> Chain:
    """Close now (early, or at the deadline), then settle the group-size threshold once."""
    if actor is not None:
        chain_require_leader(chain=chain, user=actor)
    chain = Chain.objects.select_for_update().get(pk=chain.pk)
    if chain.status != Status.OPEN:
        raise IllegalTransition(_("只有进行中的接龙可以截单"))
    chain.status = Status.CLOSED
    chain.closed_at = timezone.now()
    chain.save(update_fields=["status", "closed_at", "updated_at"])
    track("chain_closed", actor=actor, community=chain.community_id, subject=chain)
    chain_settle_threshold(chain=chain, actor=actor)
    events.chain_closed.send(sender=Chain, chain=chain, actor=actor)
    return chain


@transaction.atomic
def chain_cancel(*, chain: Chain, actor: User, reason: str = "") -> Chain:
    """Call the chain off: unpaid entries are cancelled and paid ones refunded in full."""
    chain_require_leader(chain=chain, user=actor)
    chain = Chain.objects.select_for_update().get(pk=chain.pk)
    if chain.status not in (Status.DRAFT, Status.OPEN, Status.CLOSED):
        raise IllegalTransition(_("这个接龙已经取消"))
    chain.status = Status.CANCELLED
    chain.save(update_fields=["status", "updated_at"])
    _unwind_orders(chain=chain, actor=actor, reason=reason or "接龙已取消")
    return chain


def chain_settle_threshold(*, chain: Chain, actor: User | None) -> bool:
    """A closed chain below its minimum group size refunds every paid entry and cancels the
    unpaid ones, once (threshold_settled_at guards a second run). True when it unwound."""
    if chain.min_group_size is None or chain.threshold_settled_at is not None:
        return False
    paid_people = (
        Order.objects.filter(chain_entry__chain=chain, paid_at__isnull=False)
        .values("contact_phone")
        .distinct()
        .count()
    )
    chain.threshold_settled_at = timezone.now()
    chain.save(update_fields=["threshold_settled_at"])
    if paid_people >= chain.min_group_size:
        return False
    _unwind_orders(
        chain=chain,
        actor=actor,
        reason=f"未达到成团人数（{paid_people}/{chain.min_group_size}），自动退款",
    )
    return True


def chains_close_due(*, now: datetime | None = None) -> int:
    """Close open chains whose deadline has passed (the beat task)."""
    now = now or timezone.now()
    due = list(
        Chain.objects.filter(status=Status.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    )
    for chain_id in due:
        chain = Chain.objects.get(pk=chain_id)
        try:
            chain_close(chain=chain, actor=None)
        except IllegalTransition:
            continue  # closed by its leader meanwhile
    return len(due)


def _unwind_orders(*, chain: Chain, actor: User | None, reason: str) -> None:
    orders_in_chain = Order.objects.filter(chain_entry__chain=chain).order_by("pk")
    for order in orders_in_chain:
        if order.status == Order.Status.PENDING_PAYMENT:
            orders.order_cancel(order=order, actor=actor, reason=reason)
        elif order.status in orders.REFUNDABLE and order.paid_amount > order.refunded_amount:
            payments.order_refund_unwind(order=order, actor=actor, reason=reason)


@transaction.atomic
def chain_item_member_price_set(
    *, item: ChainItem, actor: User, member_price: Decimal | None
) -> ChainItem:
    """Set or clear an item's member price (会员价); it applies to orders placed from now on."""
    chain_require_leader(chain=item.chain, user=actor)
    if item.chain.status not in (Status.DRAFT, Status.OPEN):
        raise IllegalTransition(_("已截单或已取消的接龙不能修改"))
    _validate_member_price(
        title=item.title, group_price=item.group_price, member_price=member_price
    )
    item.member_price = money(member_price) if member_price is not None else None
    item.save(update_fields=["member_price"])
    return item


def _validate_member_price(
    *, title: str, group_price: Decimal, member_price: Decimal | None
) -> None:
    if member_price is None:
        return
    if member_price <= 0:
        raise InvalidInput(_("会员价必须大于0"), field="items")
    if member_price >= group_price:
        raise InvalidInput(_("“%(title)s”的会员价必须低于团购价") % {"title": title}, field="items")


def _new_slug() -> str:
    return get_random_string(8, "abcdefghjkmnpqrstuvwxyz23456789")


def _require_community_open(community: Community) -> None:
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散，不能再开团"), code="community_dissolved")


def _check_text(*, details: ChainDetails, community: Community, actor: User) -> None:
    text_check(
        text=details.title, community=community, where="chain_title", user=actor, field="title"
    )
    text_check(
        text=details.description,
        community=community,
        where="chain_description",
        user=actor,
        field="description",
    )


def _validate_details(details: ChainDetails) -> None:
    if not details.title.strip():
        raise InvalidInput(_("请填写接龙标题"), field="title")
    if details.closes_at <= timezone.now():
        raise InvalidInput(_("截单时间必须在未来"), field="closes_at")
    if details.opens_at and details.opens_at >= details.closes_at:
        raise InvalidInput(_("开团时间必须早于截单时间"), field="opens_at")
    if details.min_group_size is not None and details.min_group_size < 1:
        raise InvalidInput(_("成团人数至少为1"), field="min_group_size")


def _validate_items(*, leader: User, items: Sequence[ItemSpec]) -> None:
    if not items:
        raise InvalidInput(_("接龙至少需要一件商品"), field="items")
    sellable = set(
        skus_sellable_by(leader)
        .filter(pk__in=[s.sku.pk for s in items])
        .values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for spec in items:
        if spec.sku.pk not in sellable:
            raise PermissionDenied(_("你不能销售“%(sku)s”") % {"sku": spec.sku}, field="items")
        if spec.sku.pk in seen:
            raise InvalidInput(_("“%(sku)s”重复添加") % {"sku": spec.sku}, field="items")
        seen.add(spec.sku.pk)
        if spec.group_price <= 0:
            raise InvalidInput(_("团购价必须大于0"), field="items")
        _validate_member_price(
            title=str(spec.sku), group_price=spec.group_price, member_price=spec.member_price
        )
        if spec.stock_cap <= 0:
            raise InvalidInput(_("限量必须大于0"), field="items")
        if spec.stock_cap > spec.sku.stock:
            raise InvalidInput(
                _("“%(sku)s”限量 %(cap)s 超过库存 %(stock)s")
                % {"sku": spec.sku, "cap": spec.stock_cap, "stock": spec.sku.stock},
                field="items",
            )
        if spec.per_person_limit is not None and spec.per_person_limit <= 0:
            raise InvalidInput(_("每人限购必须大于0"), field="items")


def _validate_pickup_points(
    *, community: Community, details: ChainDetails, pickup_points: Sequence[PickupPoint]
) -> None:
    if any(point.community_id != community.pk for point in pickup_points):
        raise PermissionDenied(_("自提点不属于这个群"), field="pickup_points")
    if details.fulfilment == Chain.Fulfilment.PICKUP and not pickup_points:
        raise InvalidInput(_("自提接龙至少需要一个自提点"), field="pickup_points")
