"""Order writes: one function per transition, each refusing what its state does not allow.

Callers (chains, later memberships and courses) price the lines; orders never trusts a client's
price. Every transition locks the order row, writes an OrderLog row and publishes its domain event
inside the same transaction.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.analytics.models import Event
from apps.analytics.tracking import event_build
from apps.catalog.models import SKU, StockMovement
from apps.catalog.services import StockChange, stock_apply
from apps.communities.models import Community
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from apps.core.inserts import ChildInsert, ParentInsert, insert_with_children
from apps.core.money import ZERO, money
from apps.orders import events
from apps.orders.models import Order, OrderLine, OrderLog, OrderRefund, OrderRefundLine

Status = Order.Status

PAYABLE = {Status.PENDING_PAYMENT}
FULFILLABLE = {Status.PAID, Status.PARTIALLY_REFUNDED}
COMPLETABLE = {Status.PAID, Status.READY_FOR_PICKUP, Status.PARTIALLY_REFUNDED}
REFUNDABLE = {
    Status.PAID,
    Status.READY_FOR_PICKUP,
    Status.COMPLETED,
    Status.PARTIALLY_REFUNDED,
}


@dataclass(frozen=True)
class LineRequest:
    """A line the caller has priced: which SKU, at what unit price, how many."""

    sku: SKU
    title: str
    unit_price: Decimal
    quantity: int


class RepeatedSubmission(Conflict):
    """order_create was given a submission token an earlier order already has: nothing was
    inserted. The caller decides whether that is a double tap (show the first order) or not."""

    default_code = "token_used"

    def __init__(self, order_id: int) -> None:
        super().__init__(gettext("这次提交已经处理过，请刷新页面后重新下单"))
        self.order_id = order_id


def order_lock(*, order_id: int) -> Order:
    """The order row, locked for the rest of the transaction (only the order, not its joins)."""
    try:
        return Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    except Order.DoesNotExist as exc:
        raise NotFound(gettext("订单不存在")) from exc


def order_create(
    *,
    community: Community,
    buyer: User | None,
    contact_name: str,
    contact_phone: str,
    lines: Sequence[LineRequest],
    note: str = "",
    submission_token: str | None = None,
    referral_code: str = "",
    ad_click_token: str = "",
    discount: Decimal = ZERO,
    coupon_code: str = "",
    take_stock: bool = True,
) -> Order:
    """Insert a pending order and take its stock. Call inside the caller's transaction.

    `discount` (a coupon the caller has redeemed) comes off the subtotal, never below zero."""
    if not lines:
        raise InvalidInput(gettext("请至少选择一件商品"), field="items")
    for line in lines:
        if line.quantity <= 0:
            raise InvalidInput(gettext("购买数量必须大于0"), field="items")
        if line.unit_price <= 0:
            raise InvalidInput(gettext("商品价格必须大于0"), field="items")
    totals = [money(line.unit_price * line.quantity) for line in lines]
    subtotal = money(sum(totals, ZERO))
    discount = min(money(discount), subtotal)
    if discount < 0:
        raise InvalidInput(gettext("优惠金额不能为负"), field="coupon")
    order = Order(
        community=community,
        buyer=buyer,
        contact_name=contact_name,
        contact_phone=contact_phone,
        note=note,
        submission_token=submission_token,
        referral_code=referral_code,
        ad_click_token=ad_click_token,
        subtotal_amount=subtotal,
        discount_amount=discount,
        coupon_code=coupon_code,
        total_amount=subtotal - discount,
    )
    # The order, its lines, its log row and its event: one statement (apps.core.inserts). A
    # submission token seen before inserts nothing, and the caller is told which order has it.
    inserted = insert_with_children(
        ParentInsert(order, on_conflict="submission_token" if submission_token else None),
        [
            *(
                ChildInsert(
                    OrderLine(
                        sku=line.sku,
                        title=line.title,
                        unit_price=money(line.unit_price),
                        quantity=line.quantity,
                        line_total=total,
                    ),
                    link="order",
                )
                for line, total in zip(lines, totals, strict=True)
            ),
            ChildInsert(
                _log_row(order=order, from_status="", actor=buyer, note="下单"), link="order"
            ),
            ChildInsert(_event_row("order_placed", order=order, actor=buyer), link="subject_id"),
        ],
    )
    if inserted is None:
        raise RepeatedSubmission(
            Order.objects.values_list("pk", flat=True).get(submission_token=submission_token)
        )
    events.order_placed.send(sender=Order, order=order, actor=buyer)
    if take_stock:
        order_stock_take(order=order, lines=lines)
    return order


def order_stock_take(*, order: Order, lines: Sequence[LineRequest]) -> None:
    """Take the order's stock from its SKUs (guarded; Conflict when short).

    order_create does it unless told not to: a caller that must lock rows of its own first (a
    chain's number) takes the stock itself right after, keeping the one lock order."""
    stock_apply(
        changes=[StockChange(sku_id=line.sku.pk, delta=-line.quantity) for line in lines],
        reason=StockMovement.Reason.ORDER,
        actor=order.buyer,
        reference=order.number,
        savepoint=False,  # a shortage fails the whole order
    )


@transaction.atomic
def order_mark_paid(*, order: Order, actor: User | None, method: str = "cash") -> Order:
    order = order_lock(order_id=order.pk)
    _require(order, PAYABLE, gettext("只有待付款的订单可以标记为已付款"))
    now = timezone.now()
    order.status = Status.PAID
    order.paid_amount = order.total_amount
    order.payment_method = method
    order.paid_at = now
    order.save(update_fields=["status", "paid_amount", "payment_method", "paid_at"])
    _log(order=order, from_status=Status.PENDING_PAYMENT, actor=actor, note=f"付款方式：{method}")
    events.order_paid.send(sender=Order, order=order, actor=actor)
    _track("order_paid", order=order, actor=actor, amount=str(order.paid_amount))
    return order


@transaction.atomic
def order_mark_ready(*, order: Order, actor: User | None) -> Order:
    order = order_lock(order_id=order.pk)
    _require(order, FULFILLABLE, gettext("只有已付款的订单可以标记为待自提"))
    previous = order.status
    order.status = Status.READY_FOR_PICKUP
    order.save(update_fields=["status"])
    _log(order=order, from_status=previous, actor=actor)
    return order


@transaction.atomic
def order_complete(*, order: Order, actor: User | None) -> Order:
    """Goods handed over (自提核销)."""
    order = order_lock(order_id=order.pk)
    _require(order, COMPLETABLE, gettext("只有已付款的订单可以核销"))
    previous = order.status
    order.status = Status.COMPLETED
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "completed_at"])
    _log(order=order, from_status=previous, actor=actor, note="已取货")
    events.order_completed.send(sender=Order, order=order, actor=actor)
    _track("order_completed", order=order, actor=actor)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, reason: str = "") -> Order:
    """Cancel an unpaid order and give its stock back."""
    order = order_lock(order_id=order.pk)
    _require(order, PAYABLE, gettext("只有未付款的订单可以取消，已付款请退款"))
    lines = list(order.lines.all())
    stock_apply(
        changes=[StockChange(sku_id=line.sku_id, delta=line.quantity) for line in lines],
        reason=StockMovement.Reason.RELEASE,
        actor=actor,
        reference=order.number,
        note=reason,
    )
    order.status = Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at"])
    _log(order=order, from_status=Status.PENDING_PAYMENT, actor=actor, note=reason or "取消")
    events.order_cancelled.send(sender=Order, order=order, actor=actor, lines=lines)
    _track("order_cancelled", order=order, actor=actor)
    return order


@transaction.atomic
def order_refund(
    *,
    order: Order,
    actor: User | None,
    reason: str,
    quantities: Mapping[int, int] | None = None,
    restock: bool = False,
) -> OrderRefund:
    """Refund some quantities of some lines (`quantities` maps line id → quantity), or the rest of
    the order when `quantities` is None. The amount is the lines' unit prices less their share of
    the order's discount, never more than what was paid and not yet refunded; the refund that
    empties the order returns exactly what is left, so rounding never strands a fen."""
    order = order_lock(order_id=order.pk)
    _require(order, REFUNDABLE, gettext("只有已付款的订单可以退款"))
    if not reason.strip():
        raise InvalidInput(gettext("请填写退款原因"), field="reason")
    lines = {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
    wanted = (
        {line_id: line.refundable_quantity for line_id, line in lines.items()}
        if quantities is None
        else dict(quantities)
    )
    wanted = {line_id: qty for line_id, qty in wanted.items() if qty}
    if not wanted:
        raise InvalidInput(gettext("请选择要退款的商品和数量"), field="quantities")
    refund_lines = []
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None:
            raise InvalidInput(gettext("退款的商品不属于这个订单"), field="quantities")
        if quantity < 0 or quantity > line.refundable_quantity:
            raise InvalidInput(
                gettext("“%(title)s”最多可退 %(count)s 件")
                % {"title": line.title, "count": line.refundable_quantity},
                field="quantities",
            )
        refund_lines.append((line, quantity, _paid_share(order, line.unit_price * quantity)))
    amount = money(sum((amount for _, _, amount in refund_lines), ZERO))
    empties_order = all(
        line.refundable_quantity == wanted.get(line_id, 0) for line_id, line in lines.items()
    )
    if empties_order:
        amount = order.paid_amount - order.refunded_amount
    remaining_after = order.paid_amount - order.refunded_amount - amount
    if remaining_after < 0:
        raise InvalidInput(gettext("退款金额不能超过已付金额"), field="quantities")

    refund = OrderRefund.objects.create(
        order=order, amount=amount, reason=reason.strip(), restocked=restock, actor=actor
    )
    OrderRefundLine.objects.bulk_create(
        OrderRefundLine(refund=refund, line=line, quantity=quantity, amount=line_amount)
        for line, quantity, line_amount in refund_lines
    )
    for line, quantity, _ in refund_lines:
        line.refunded_quantity += quantity
        line.save(update_fields=["refunded_quantity"])
    if restock:
        stock_apply(
            changes=[StockChange(sku_id=line.sku_id, delta=qty) for line, qty, _ in refund_lines],
            reason=StockMovement.Reason.REFUND_RESTOCK,
            actor=actor,
            reference=order.number,
            note=reason,
        )
    previous = order.status
    fully = all(line.refunded_quantity == line.quantity for line in lines.values())
    order.status = Status.REFUNDED if fully else Status.PARTIALLY_REFUNDED
    order.refunded_amount = money(order.refunded_amount + amount)
    order.save(update_fields=["status", "refunded_amount"])
    _log(order=order, from_status=previous, actor=actor, note=f"退款 {amount}：{reason}")
    restocked = [(line, qty) for line, qty, _ in refund_lines] if restock else []
    events.order_refunded.send(
        sender=Order, order=order, actor=actor, refund=refund, restocked=restocked
    )
    _track("order_refunded", order=order, actor=actor, amount=str(amount))
    return refund


def orders_cancel_unpaid(*, now: datetime | None = None) -> int:
    """Cancel orders left unpaid past the timeout; each in its own short transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ORDERS_UNPAID_TIMEOUT_MINUTES)
    stale = Order.objects.filter(status=Status.PENDING_PAYMENT, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    cancelled = 0
    for order_id in list(stale[:1000]):
        with transaction.atomic():
            order = order_lock(order_id=order_id)
            if order.status != Status.PENDING_PAYMENT:
                continue  # paid or cancelled meanwhile
            order_cancel(order=order, actor=None, reason="超时未付款，自动取消")
            cancelled += 1
    return cancelled


def order_paid_share(*, order: Order, list_amount: Decimal) -> Decimal:
    """The discount share as order_refund computes it, for refunds quoted before they are made
    (a provider refund reserves its amount before the money goes back)."""
    return _paid_share(order, list_amount)


def _paid_share(order: Order, list_amount: Decimal) -> Decimal:
    """What the buyer actually paid for goods listed at `list_amount`, after the discount."""
    if order.subtotal_amount <= 0 or order.discount_amount == 0:
        return money(list_amount)
    return money(list_amount * order.total_amount / order.subtotal_amount)


def _require(order: Order, allowed: set[Order.Status], message: str) -> None:
    if order.status not in allowed:
        raise IllegalTransition(
            gettext("%(message)s（当前状态：%(status)s）")
            % {"message": message, "status": order.get_status_display()}
        )


def _log(*, order: Order, from_status: str, actor: User | None, note: str = "") -> None:
    _log_row(order=order, from_status=from_status, actor=actor, note=note).save(force_insert=True)


def _log_row(*, order: Order, from_status: str, actor: User | None, note: str = "") -> OrderLog:
    return OrderLog(
        order=order, from_status=from_status, to_status=order.status, actor=actor, note=note
    )


def _track(name: str, *, order: Order, actor: User | None, **properties: str) -> None:
    _event_row(name, order=order, actor=actor, **properties).save(force_insert=True)


def _event_row(name: str, *, order: Order, actor: User | None, **properties: str) -> Event:
    return event_build(
        name,
        actor=actor if actor is not None else order.buyer,
        community=order.community_id,
        subject=order,
        properties={"total": str(order.total_amount), **properties},
        distinct_id=f"phone:{order.contact_phone}",
    )
