"""Placing an order on a chain: one module for the whole of it, the statement and its locks.

chain_order_place checks what needs no lock, takes the buyer's advisory lock, finds a repeated
submission, checks per-person limits and the coupon, writes the order (orders.order_create, its
lines, log and event in one INSERT) and then, in one more statement, takes the chain's next
接龙序号, the SKUs' stock (catalog's stock CTEs) and the chain items' caps: all of them or none.

Lock order, the same in every transaction that touches these rows (chain writes in services.py,
coupons in rewards, cancellations and refunds through the order events), so none can deadlock:
the buyer's advisory lock → the coupon row (when one is given) → the chain row → SKU rows (by
id) → chain item rows (by id). chain_items_release gives caps back on cancellation and refunds,
after the SKU rows, which respects it.
"""

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import StockMovement
from apps.catalog.services import StockChange, stock_take_sql
from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
from apps.communities.moderation import text_check
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.locks import LockSpace, advisory_lock
from apps.core.money import ZERO, money
from apps.memberships.selectors import member_of_community
from apps.orders import services as orders
from apps.orders.models import Order, OrderLine
from apps.rewards import services as rewards

Status = Chain.Status
MAX_QUANTITY_PER_LINE = 999
ACTIVE_ORDER_STATUSES = [s for s in Order.Status if s != Order.Status.CANCELLED]

# Raw SQL below names tables as the models do.
CHAIN_TABLE = Chain._meta.db_table
ENTRY_TABLE = ChainEntry._meta.db_table
ITEM_TABLE = ChainItem._meta.db_table
ORDER_TABLE = Order._meta.db_table


@transaction.atomic
def chain_order_place(
    *,
    chain: Chain,
    buyer: User | None,
    contact_name: str,
    contact_phone: str,
    quantities: Mapping[int, int],
    pickup_point: PickupPoint | None,
    submission_token: str,
    note: str = "",
    referral_code: str = "",
    ad_click_token: str = "",
    coupon_code: str = "",
) -> ChainEntry:
    """Place an order on a chain and give it the next 接龙序号.

    Idempotent on `submission_token`: a repeat returns the entry of the first submission.
    A `coupon_code` is checked against the server's subtotal and used by this order alone.
    """
    contact_name = contact_name.strip()
    if not contact_name:
        raise InvalidInput(_("请填写姓名"), field="contact_name")
    wanted = _clean_quantities(quantities)
    is_member = _check_members_only(chain=chain, buyer=buyer)
    if note.strip():  # before any lock: a refused note should not hold the chain's hot row
        text_check(
            text=note, community=chain.community, where="order_note", user=buyer, field="note"
        )
    _lock_buyer(chain_id=chain.pk, phone=contact_phone)

    earlier = _earlier_submission(submission_token)
    if earlier is not None:
        entry_id, chain_id, phone = earlier
        if chain_id != chain.pk or phone != contact_phone:
            raise Conflict(_("这次提交已经处理过，请刷新页面后重新下单"), code="token_used")
        return ChainEntry.objects.select_related("order").get(pk=entry_id)

    items = {item.pk: item for item in _chain_items(chain) if item.pk in wanted}
    if set(items) != set(wanted):
        raise InvalidInput(_("所选商品不在这个接龙中"), field="items")
    if chain.fulfilment == Chain.Fulfilment.PICKUP:
        _check_pickup_point(chain=chain, pickup_point=pickup_point)
    _check_person_limits(chain=chain, phone=contact_phone, items=items, wanted=wanted)
    if is_member is None and any(item.member_price for item in items.values()):
        is_member = member_of_community(
            user_id=buyer.pk if buyer else None, community_id=chain.community_id
        )

    lines = [
        orders.LineRequest(
            sku=items[item_id].sku,
            title=items[item_id].title,
            unit_price=item_price(items[item_id], is_member=bool(is_member)),
            quantity=quantity,
        )
        for item_id, quantity in sorted(wanted.items())
    ]
    redemption = None
    if coupon_code.strip():
        # The member's own coupon row: contended only by the same member's other orders.
        redemption = rewards.coupon_redeem(
            code=coupon_code,
            community=chain.community,
            buyer=buyer,
            contact_phone=contact_phone,
            subtotal=money(sum((money(line.unit_price * line.quantity) for line in lines), ZERO)),
        )
    order = orders.order_create(
        community=chain.community,
        buyer=buyer,
        contact_name=contact_name,
        contact_phone=contact_phone,
        lines=lines,
        note=note.strip(),
        submission_token=submission_token,
        referral_code=referral_code,
        ad_click_token=ad_click_token,
        discount=redemption.discount if redemption else ZERO,
        coupon_code=redemption.coupon.code if redemption else "",
        take_stock=False,
    )
    if redemption is not None:
        rewards.coupon_use(redemption=redemption, order=order)
    # The contended part, kept short: above, only new rows were inserted and the member's own
    # coupon locked. Shared rows are locked here, in one statement, in the one order: chain row
    # (its number), SKU rows, chain item rows; then the transaction commits.
    return _take_number_and_stock(
        chain=chain,
        order=order,
        pickup_point=pickup_point,
        items=[(items[item_id], quantity) for item_id, quantity in sorted(wanted.items())],
    )


def item_price(item: ChainItem, *, is_member: bool) -> Decimal:
    """What the buyer pays for one: the member price when there is one and they are a member."""
    if is_member and item.member_price is not None:
        return item.member_price
    return item.group_price


def _check_members_only(*, chain: Chain, buyer: User | None) -> bool | None:
    """A members-only chain refuses everyone without a current membership of its community.
    Returns whether the buyer is a member when it had to find out (None: not asked yet)."""
    if not chain.members_only:
        return None
    if not member_of_community(
        user_id=buyer.pk if buyer else None, community_id=chain.community_id
    ):
        raise PermissionDenied(
            _("这个接龙仅限本群付费会员参加，请先开通会员（未登录请用开通会员的手机号下单）"),
            code="members_only",
        )
    return True


def _clean_quantities(quantities: Mapping[int, Any]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for item_id, raw in quantities.items():
        try:
            quantity = int(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(_("购买数量必须是整数"), field="items") from exc
        if quantity < 0:
            raise InvalidInput(_("购买数量不能为负数"), field="items")
        if quantity > MAX_QUANTITY_PER_LINE:
            raise InvalidInput(
                _("单件商品最多购买 %(max)s 件") % {"max": MAX_QUANTITY_PER_LINE}, field="items"
            )
        if quantity:
            wanted[int(item_id)] = quantity
    if not wanted:
        raise InvalidInput(_("请至少选择一件商品"), field="items")
    return wanted


def _earlier_submission(token: str) -> tuple[int, int, str] | None:
    """(entry id, chain id, phone) of the order an earlier submission of `token` placed.

    Asked after the buyer's lock, so a double tap finds its first order here; read before any
    check, so the coupon and limits the first order used up don't refuse the repeat. One
    hand-written query: the ORM's costs more than the lookup on the order path (bench/hot_chain).
    A different buyer racing with the same token is stopped by the order's unique token
    (order_create's RepeatedSubmission)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry.id, entry.chain_id, o.contact_phone"  # noqa: S608 - tables from _meta
            f" FROM {ORDER_TABLE} o JOIN {ENTRY_TABLE} entry ON entry.order_id = o.id"
            " WHERE o.submission_token = %s",
            [token],
        )
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else None


def _lock_buyer(*, chain_id: int, phone: str) -> None:
    """Serialise one buyer's submissions on one chain (per-person limits, double taps)."""
    advisory_lock(LockSpace.CHAIN_BUYER, f"{chain_id}:{phone}")


def _take_number_and_stock(
    *,
    chain: Chain,
    order: Order,
    pickup_point: PickupPoint | None,
    items: Sequence[tuple[ChainItem, int]],
) -> ChainEntry:
    """Lock the chain row, check it is taking orders, take the next number, insert the entry,
    take the SKUs' stock (with their movement rows) and the items' caps: one statement, so the
    hot rows stay locked for one round trip and the commit, with no Python work in between.

    Each step runs only once the one before it produced a row (see stock_take_sql), which keeps
    the lock order and stops at the first refusal; the refusal is then explained and raised,
    rolling the whole order back.
    The number is gap-free among placed orders: a failed submission rolls its number back.
    The 核销码 is the number (at least three digits) then four random digits: unique in its
    chain by construction (the last four digits are the suffix, the rest the number) and not
    guessable from the number alone."""
    now = timezone.now()  # not SQL now(), which is the transaction's start
    stock = stock_take_sql(
        changes=[StockChange(sku_id=item.sku_id, delta=-quantity) for item, quantity in items],
        reason=StockMovement.Reason.ORDER,
        actor=order.buyer,
        reference=order.number,
        after="entry",
    )
    params: dict[str, Any] = {
        "chain": chain.pk,
        "open": Status.OPEN,
        "now": now,
        "order": order.pk,
        "point": pickup_point.pk if pickup_point else None,
        "suffix": f"{secrets.randbelow(10_000):04d}",
        **stock.params,
    }
    ctes = [
        f"numbered AS (UPDATE {CHAIN_TABLE} SET entry_count = entry_count + 1"  # noqa: S608
        " WHERE id = %(chain)s AND status = %(open)s"
        " AND opens_at <= %(now)s AND closes_at > %(now)s RETURNING entry_count)",
        f"entry AS (INSERT INTO {ENTRY_TABLE}"  # noqa: S608
        " (chain_id, order_id, sequence, pickup_point_id, pickup_code, created_at)"
        " SELECT %(chain)s, %(order)s, entry_count, %(point)s,"
        # lpad() cuts a longer text to its width: the number is padded, never cut (№ 1359
        # must not share its code's head with № 135).
        " lpad(entry_count::text, greatest(3, length(entry_count::text)), '0') || %(suffix)s,"
        " %(now)s"
        " FROM numbered RETURNING id, sequence, pickup_code)",
        *stock.ctes,
    ]
    previous = stock.done
    caps = []
    for index, (item, quantity) in enumerate(sorted(items, key=lambda pair: pair[0].pk)):
        name = f"cap_{index}"
        params[f"{name}_item"] = item.pk
        params[f"{name}_quantity"] = quantity
        ctes.append(
            f"{name} AS (UPDATE {ITEM_TABLE} SET remaining = remaining - %({name}_quantity)s"  # noqa: S608 - CTE names and parameter keys built in this function
            f" WHERE id = %({name}_item)s AND remaining >= %({name}_quantity)s"
            f" AND EXISTS (SELECT FROM {previous}) RETURNING id)"
        )
        caps.append(name)
        previous = name
    capped = " UNION ALL ".join(f"SELECT id FROM {name}" for name in caps)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)} SELECT entry.id, entry.sequence, entry.pickup_code,"  # noqa: S608
            f" EXISTS (SELECT FROM {stock.done}), ARRAY({capped})"
            " FROM (SELECT 1) AS one LEFT JOIN entry ON true",
            params,
        )
        entry_id, sequence, pickup_code, stock_taken, capped_ids = cursor.fetchone()
    if entry_id is None:
        _refuse_closed(chain=chain, now=now)
    if not stock_taken:
        raise Conflict(_("库存不足"), code="out_of_stock")
    for item, _quantity in items:
        if item.pk not in capped_ids:
            _refuse_over_cap(item=item)
    return ChainEntry(
        pk=entry_id,
        chain=chain,
        order=order,
        sequence=sequence,
        pickup_point=pickup_point,
        pickup_code=pickup_code,
        created_at=now,
    )


def _refuse_closed(*, chain: Chain, now: datetime) -> NoReturn:
    current = Chain.objects.get(pk=chain.pk)
    if current.status == Status.CANCELLED:
        raise Conflict(_("这个接龙已取消"), code="chain_cancelled")
    if current.status == Status.DRAFT or current.opens_at > now:
        raise Conflict(_("接龙还没有开始"), code="chain_not_open")
    raise Conflict(_("接龙已截单"), code="chain_closed")


def _refuse_over_cap(*, item: ChainItem) -> NoReturn:
    left = ChainItem.objects.values_list("remaining", flat=True).get(pk=item.pk)
    message = (
        _("“%(title)s”已抢光") % {"title": item.title}
        if left == 0
        else _("“%(title)s”只剩 %(left)s 件") % {"title": item.title, "left": left}
    )
    raise Conflict(message, code="sold_out", field="items")


def _check_pickup_point(*, chain: Chain, pickup_point: PickupPoint | None) -> None:
    if pickup_point is None:
        raise InvalidInput(_("请选择自提点"), field="pickup_point")
    # .all() uses the page's prefetched points when there are some, saving a query per order.
    if not any(p.pk == pickup_point.pk and p.active for p in chain.pickup_points.all()):
        raise InvalidInput(_("请选择这个接龙的自提点"), field="pickup_point")


def _chain_items(chain: Chain) -> list[ChainItem]:
    """The chain's items with their SKUs: the page's prefetched ones when it loaded them
    (items are fixed once a chain opens), else one query."""
    prefetched = getattr(chain, "_prefetched_objects_cache", {}).get("items")
    if prefetched is not None:
        return list(prefetched)
    return list(ChainItem.objects.filter(chain=chain).select_related("sku"))


def _check_person_limits(
    *, chain: Chain, phone: str, items: Mapping[int, ChainItem], wanted: Mapping[int, int]
) -> None:
    limited = {item_id: item for item_id, item in items.items() if item.per_person_limit}
    if not limited:
        return
    bought = dict(
        OrderLine.objects.filter(
            order__chain_entry__chain=chain,
            order__contact_phone=phone,
            order__status__in=ACTIVE_ORDER_STATUSES,
            sku_id__in=[item.sku_id for item in limited.values()],
        )
        .values_list("sku_id")
        .annotate(total=Sum("quantity"))
    )
    for item_id, item in limited.items():
        already = bought.get(item.sku_id, 0)
        limit = item.per_person_limit or 0
        if already + wanted[item_id] > limit:
            left = max(0, limit - already)
            raise Conflict(
                _("“%(title)s”每人限购 %(limit)s 件，你还可以买 %(left)s 件")
                % {"title": item.title, "limit": limit, "left": left},
                code="per_person_limit",
                field="items",
            )


def chain_items_release(*, order: Order, quantities: Mapping[int, int]) -> None:
    """Give quantities (by SKU id) back to the caps of the order's chain (order events call it)."""
    entry = ChainEntry.objects.filter(order=order).select_related("chain").first()
    if entry is None or not quantities:
        return
    items = ChainItem.objects.filter(chain=entry.chain, sku_id__in=quantities).order_by("pk")
    with connection.cursor() as cursor:
        for item_id, sku_id in items.values_list("pk", "sku_id"):
            cursor.execute(
                f"UPDATE {ITEM_TABLE} "  # noqa: S608 - the model's table
                "SET remaining = LEAST(stock_cap, remaining + %s) WHERE id = %s",
                [quantities[sku_id], item_id],
            )
