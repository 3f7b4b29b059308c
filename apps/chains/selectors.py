"""Reads of chains: the public page, the leader's tables, the chain text and pick sheets.

Each runs a fixed number of queries whatever the number of entries (tests pin them).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.phone import mask_name, mask_phone
from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
from apps.communities.selectors import communities_managed_by
from apps.core.errors import NotFound
from apps.core.money import ZERO
from apps.orders.models import Order, OrderLine

PLACED_STATUSES = [s for s in Order.Status if s != Order.Status.CANCELLED]


def chain_by_slug(slug: str) -> Chain:
    try:
        return (
            Chain.objects.select_related("community", "leader")
            .prefetch_related(
                Prefetch("items", queryset=ChainItem.objects.select_related("sku__product")),
                Prefetch("pickup_points", queryset=PickupPoint.objects.filter(active=True)),
            )
            .exclude(status=Chain.Status.DRAFT)
            .get(slug=slug)
        )
    except Chain.DoesNotExist as exc:
        raise NotFound(_("接龙不存在或还没有发布")) from exc


def chains_led_by(user: User) -> QuerySet[Chain]:
    """Chains a user may run: their own, and those in communities they own or administer."""
    from django.db.models import Q

    return (
        Chain.objects.filter(Q(leader=user) | Q(community__in=communities_managed_by(user)))
        .distinct()
        .select_related("community")
    )


def chain_for_leader(*, user: User, chain_id: int) -> Chain:
    try:
        return chains_led_by(user).get(pk=chain_id)
    except Chain.DoesNotExist as exc:
        raise NotFound(_("接龙不存在")) from exc


def orders_in_chains_led_by(user: User) -> QuerySet[Order]:
    """Orders placed on the chains a user runs, each with its entry and lines."""
    return (
        Order.objects.filter(chain_entry__chain__in=chains_led_by(user))
        .select_related("chain_entry")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
    )


def entries_with_lines(chain: Chain) -> QuerySet[ChainEntry]:
    return (
        ChainEntry.objects.filter(chain=chain)
        .select_related("order", "pickup_point")
        .prefetch_related(Prefetch("order__lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("sequence")
    )


def lines_text(order: Order) -> str:
    return " ".join(f"{line.title}×{line.quantity}" for line in order.lines.all())


@dataclass(frozen=True)
class PublicEntry:
    sequence: int
    name: str
    summary: str
    cancelled: bool


def public_entries(chain: Chain) -> list[PublicEntry]:
    """What every visitor of the chain page sees: masked names, what they bought."""
    return [
        PublicEntry(
            sequence=entry.sequence,
            name=mask_name(entry.order.contact_name),
            summary=lines_text(entry.order),
            cancelled=entry.order.status == Order.Status.CANCELLED,
        )
        for entry in entries_with_lines(chain)
    ]


def chain_text(chain: Chain, entries: list[PublicEntry] | None = None) -> str:
    """The chain as a WeChat message: #接龙, the details, then one line per entry."""
    entries = public_entries(chain) if entries is None else entries
    closes = timezone.localtime(chain.closes_at)
    head = [f"#接龙 {chain.title}"]
    if chain.description:
        head.append(chain.description)
    head.append(f"截单时间：{closes:%m月%d日 %H:%M}")
    body = [
        f"{entry.sequence}. {entry.name} {'（已取消）' if entry.cancelled else entry.summary}"
        for entry in entries
    ]
    return "\n".join([*head, "", *body]).strip() + "\n"


@dataclass
class PickSheetRow:
    sequence: int
    name: str
    phone: str
    pickup_code: str
    status: str
    summary: str


@dataclass
class PickSheet:
    point: str
    address: str
    rows: list[PickSheetRow] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


@dataclass
class ItemTotal:
    title: str
    quantity: int
    amount: Decimal


def pick_sheets(chain: Chain, *, full_phone: bool = False) -> list[PickSheet]:
    """One sheet per pickup point: who collects what, and how many of each item to bring."""
    sheets: dict[str, PickSheet] = {}
    for entry in entries_with_lines(chain).filter(order__status__in=PLACED_STATUSES):
        point = entry.pickup_point
        key = point.name if point else _("送货上门")
        sheet = sheets.setdefault(key, PickSheet(point=key, address=point.address if point else ""))
        order = entry.order
        sheet.rows.append(
            PickSheetRow(
                sequence=entry.sequence,
                name=order.contact_name,
                phone=order.contact_phone if full_phone else mask_phone(order.contact_phone),
                pickup_code=entry.pickup_code,
                status=order.get_status_display(),
                summary=lines_text(order),
            )
        )
        for line in order.lines.all():
            left = line.quantity - line.refunded_quantity
            if left:
                sheet.totals[line.title] = sheet.totals.get(line.title, 0) + left
    return list(sheets.values())


def item_totals(chain: Chain) -> list[ItemTotal]:
    totals: dict[str, ItemTotal] = {}
    lines = OrderLine.objects.filter(
        order__chain_entry__chain=chain, order__status__in=PLACED_STATUSES
    ).order_by("pk")
    for line in lines:
        left = line.quantity - line.refunded_quantity
        total = totals.setdefault(line.title, ItemTotal(line.title, 0, ZERO))
        total.quantity += left
        total.amount += line.unit_price * left
    return list(totals.values())


def chain_summary(chain: Chain) -> dict[str, Any]:
    """Counts for the leader's header: entries, paid, revenue."""
    counts: dict[str, int] = defaultdict(int)
    revenue = ZERO
    for status, paid, refunded in Order.objects.filter(chain_entry__chain=chain).values_list(
        "status", "paid_amount", "refunded_amount"
    ):
        counts[status] += 1
        revenue += paid - refunded
    return {"by_status": dict(counts), "revenue": revenue, "entries": sum(counts.values())}


def chains_for_home(user: Any) -> dict[str, Any]:
    open_chains = Chain.objects.filter(
        status=Chain.Status.OPEN, closes_at__gt=timezone.now()
    ).select_related("community")
    context: dict[str, Any] = {"open_chains": list(open_chains.order_by("closes_at")[:20])}
    if getattr(user, "is_authenticated", False):
        context["my_chains"] = list(chains_led_by(user).order_by("-created_at")[:20])
        context["my_orders"] = list(
            Order.objects.filter(buyer=user)
            .select_related("chain_entry__chain")
            .order_by("-created_at")[:10]
        )
    return context
