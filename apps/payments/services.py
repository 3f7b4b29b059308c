"""Payment writes: offline payments, online checkouts, settling what the provider reports, and
refunds through the provider.

Who gives money back is decided here, and only here; nothing else calls orders.order_refund for
an order that may have been paid online. Two entry points:
- `order_refund_request`, a leader's refund (whole or some lines): online, the provider refund
  is reserved and sent first and the order records it when the money is back
  (`refund_succeed`); paid in cash, the order records it at once.
- `order_refund_unwind`, a chain that is cancelled or closed short of its group size: the order
  records the refund at once inside the chain's transaction, and online money follows.

Locks: a provider refund is reserved under the Order row, then the Payment row; a provider's
notification settles under the Payment row, then the Order row (only while the payment is
still open, when no refund can be reserved). No remote call ever runs while a row is locked: a
checkout inserts its payment and commits before asking WeChat Pay for a prepay id, and a refund
commits its reservation before the refund request goes out.
"""

import logging
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from wechatpayv3 import WeChatPayType

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import DomainError, IllegalTransition, InvalidInput, NotFound
from apps.core.money import ZERO, money, to_fen
from apps.core.task_queue import task_delay_on_commit
from apps.notifications.services import notify
from apps.orders import services as orders
from apps.orders.models import Order, OrderRefund
from apps.payments.client import ProviderError, ProviderUnreachable, answer, wechatpay_client
from apps.payments.merchant import WECHAT_PROVIDERS, Merchant, wechatpay_enabled
from apps.payments.models import Payment, Refund
from apps.payments.sandbox import sandbox_enabled
from apps.payments.selectors import order_online_payment

logger = logging.getLogger(__name__)

Provider = Payment.Provider


# --- Locks and numbers ------------------------------------------------------------------------


def payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


def _out_trade_no(order: Order) -> str:
    """Unique, 24 characters of [0-9A-F], readable back to the order: its number, then noise."""
    return f"{order.number}{secrets.token_hex(5).upper()}"


def _out_refund_no(payment: Payment) -> str:
    return f"R{payment.out_trade_no[:14]}{secrets.token_hex(5).upper()}"


# --- Offline: the leader confirms cash or a transfer -----------------------------------------


@transaction.atomic
def payment_record_offline(*, order: Order, actor: User | None, method: str = "cash") -> Payment:
    """The buyer paid the leader directly: record it and mark the order paid, together."""
    order = orders.order_mark_paid(order=order, actor=actor, method=method)
    return Payment.objects.create(
        order=order,
        provider=Provider.OFFLINE,
        amount=order.paid_amount,
        out_trade_no=_out_trade_no(order),
        status=Payment.Status.SUCCEEDED,
        succeeded_at=order.paid_at,
        actor=actor,
        raw={"method": method},
    )


# --- Online checkout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    jsapi_params: dict[str, str] = field(default_factory=dict)
    code_url: str = ""


def online_providers_available() -> list[str]:
    available: list[str] = []
    if wechatpay_enabled():
        available += [Provider.WECHAT_JSAPI, Provider.WECHAT_NATIVE]
    if sandbox_enabled():
        available.append(Provider.SANDBOX)
    return available


def payment_start(*, order: Order, provider: str, payer_openid: str = "") -> Checkout:
    """Open (or reuse) an online payment for a pending order and ask the provider to prepay."""
    if provider not in online_providers_available():
        raise InvalidInput(_("这种支付方式未开通"), field="provider")
    if provider == Provider.WECHAT_JSAPI and not payer_openid:
        raise InvalidInput(_("请在微信中打开本页面，或使用扫码支付"), field="provider")
    expires = order.created_at + timedelta(minutes=settings.ORDERS_UNPAID_TIMEOUT_MINUTES)
    order.refresh_from_db(fields=["status"])
    if order.status != Order.Status.PENDING_PAYMENT:
        raise IllegalTransition(_("订单当前状态不能付款：%s") % order.get_status_display())
    if expires <= timezone.now():
        raise IllegalTransition(_("订单已超过付款时间"))
    payment = (
        Payment.objects.filter(
            order=order,
            provider=provider,
            status=Payment.Status.CREATED,
            amount=order.total_amount,
            flag_reason="",
            raw__payer_openid=payer_openid,
        )
        .order_by("-pk")
        .first()
    )
    if payment is None:
        payment = Payment.objects.create(
            order=order,
            provider=provider,
            amount=order.total_amount,
            out_trade_no=_out_trade_no(order),
            raw={"payer_openid": payer_openid},
        )
    if provider == Provider.SANDBOX:
        return Checkout(payment=payment)
    return _wechat_prepay(payment=payment, payer_openid=payer_openid, expires=expires)


def _wechat_prepay(*, payment: Payment, payer_openid: str, expires: datetime) -> Checkout:
    client, config = wechatpay_client()
    kwargs: dict[str, Any] = {
        "description": _("团购订单 %s") % payment.order.number,
        "out_trade_no": payment.out_trade_no,
        "amount": {"total": to_fen(payment.amount), "currency": "CNY"},
        # WeChat Pay stops taking money when our order would be cancelled for not paying.
        "time_expire": timezone.localtime(expires).isoformat(timespec="seconds"),
    }
    if payment.provider == Provider.WECHAT_JSAPI:
        kwargs.update(pay_type=WeChatPayType.JSAPI, payer={"openid": payer_openid})
    else:
        kwargs.update(pay_type=WeChatPayType.NATIVE)
    body = provider_call(lambda: client.pay(**kwargs))
    if payment.provider == Provider.WECHAT_NATIVE:
        return Checkout(payment=payment, code_url=str(body.get("code_url", "")))
    package = f"prepay_id={body.get('prepay_id', '')}"
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return Checkout(
        payment=payment,
        jsapi_params={
            "appId": config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": client.sign([config.appid, timestamp, nonce, package]),
        },
    )


def provider_call(request: Any) -> dict[str, Any]:
    """One SDK call: its answer's JSON, or a ProviderError for any failure on the way."""
    try:
        code, message = request()
    except Exception as exc:  # requests' errors, and the SDK's bare Exception on bad signatures
        logger.warning("WeChat Pay call failed: %s", exc)
        raise ProviderUnreachable(_("暂时无法连接微信支付，请稍后再试")) from exc
    return answer(code, message)


# --- What the provider reports: payments ------------------------------------------------------


def payment_settle(*, merchant: Merchant, transaction_data: Mapping[str, Any]) -> Payment:
    """Apply a transaction the provider reported (a notification or a query answer), once.

    A payment already settled or flagged is left as it is, so a replay changes nothing.
    Disagreement on merchant, app or amount flags the payment for finance and leaves the order
    unpaid; money that arrives for an order no longer waiting for it is flagged to be refunded.
    """
    out_trade_no = str(transaction_data.get("out_trade_no", ""))
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .filter(out_trade_no=out_trade_no)
            .first()
        )
        if payment is None:
            raise NotFound(_("商户订单号不存在：%s") % out_trade_no)
        if payment.status == Payment.Status.SUCCEEDED or payment.flag_reason:
            return payment
        state = str(transaction_data.get("trade_state", ""))
        if state != "SUCCESS":
            if state in ("CLOSED", "REVOKED", "PAYERROR"):
                payment.status = (
                    Payment.Status.FAILED if state == "PAYERROR" else Payment.Status.CLOSED
                )
                payment.raw = {**payment.raw, "transaction": dict(transaction_data)}
                payment.save(update_fields=["status", "raw", "updated_at"])
            return payment
        payment.transaction_id = str(transaction_data.get("transaction_id", ""))
        payment.raw = {**payment.raw, "transaction": dict(transaction_data)}
        problems = _disagreements(payment=payment, merchant=merchant, data=transaction_data)
        if problems:
            return _flag(payment, "；".join(problems))
        order = orders.order_lock(order_id=payment.order_id)
        payment.status = Payment.Status.SUCCEEDED
        success_time = parse_datetime(str(transaction_data.get("success_time", "")))
        payment.succeeded_at = success_time or timezone.now()
        if order.status != Order.Status.PENDING_PAYMENT:
            return _flag(
                payment,
                _("钱已到账，但订单状态为“%s”，需退款或人工处理") % order.get_status_display(),
            )
        payment.save(
            update_fields=["status", "transaction_id", "raw", "succeeded_at", "updated_at"]
        )
        orders.order_mark_paid(order=order, actor=None, method=payment.provider)
        return payment


def _disagreements(*, payment: Payment, merchant: Merchant, data: Mapping[str, Any]) -> list[str]:
    problems = []
    if payment.provider not in merchant.providers:
        problems.append(_("通知来自其他支付渠道"))
    if str(data.get("mchid", "")) != merchant.mchid:
        problems.append(_("商户号不符：%s") % data.get("mchid", ""))
    if str(data.get("appid", "")) != merchant.appid:
        problems.append(_("AppID 不符：%s") % data.get("appid", ""))
    amount = data.get("amount") or {}
    total = amount.get("total") if isinstance(amount, Mapping) else None
    if not isinstance(total, int) or total != to_fen(payment.amount):
        problems.append(
            _("金额不符：微信支付 %(theirs)s 分，订单 %(ours)s 分")
            % {"theirs": total, "ours": to_fen(payment.amount)}
        )
    elif amount.get("currency", "CNY") != "CNY":
        problems.append(_("币种不符：%s") % amount.get("currency"))
    return problems


def _flag(payment: Payment, reason: str) -> Payment:
    payment.flag_reason = reason[:200]
    payment.save(
        update_fields=[
            "status",
            "transaction_id",
            "raw",
            "succeeded_at",
            "flag_reason",
            "updated_at",
        ]
    )
    logger.warning("payment %s flagged: %s", payment.out_trade_no, reason)
    finance_notify(
        template="payment_flagged",
        key=f"payment-flagged:{payment.pk}",
        context={
            "out_trade_no": payment.out_trade_no,
            "order": payment.order.number,
            "amount": str(payment.amount),
            "reason": reason,
        },
    )
    return payment


def finance_notify(*, template: str, key: str, context: dict[str, str]) -> int:
    """Tell every active finance user; each message once per key."""
    recipients = User.objects.filter(groups__name=Role.FINANCE, is_active=True).order_by("pk")
    count = 0
    for user in recipients:
        notify(recipient=user, template=template, dedupe_key=f"{key}:{user.pk}", context=context)
        count += 1
    return count


# --- Refunds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundOutcome:
    amount: Decimal
    order_refund: OrderRefund | None  # written now (cash, or the provider answered at once)
    refund: Refund | None = None  # the provider refund, when the money goes back online

    @property
    def pending(self) -> bool:
        return self.refund is not None and self.refund.status == Refund.Status.PROCESSING


def order_refund_request(
    *,
    order: Order,
    actor: User | None,
    reason: str,
    quantities: Mapping[int, int] | None = None,
    restock: bool = False,
) -> RefundOutcome:
    """The leader's refund: back through WeChat Pay (or the sandbox) when the order was paid
    online, otherwise a cash refund recorded on the order. Call outside a transaction: the
    provider is asked after the reservation commits."""
    payment = order_online_payment(order=order)
    if payment is None:
        with transaction.atomic():
            order_refund = orders.order_refund(
                order=order, actor=actor, reason=reason, quantities=quantities, restock=restock
            )
        return RefundOutcome(amount=order_refund.amount, order_refund=order_refund)
    refund = refund_create(
        payment=payment, actor=actor, reason=reason, quantities=quantities, restock=restock
    )
    refund = refund_submit(refund=refund)
    return RefundOutcome(amount=refund.amount, order_refund=refund.order_refund, refund=refund)


@transaction.atomic
def refund_create(
    *,
    payment: Payment,
    actor: User | None,
    reason: str,
    quantities: Mapping[int, int] | None = None,
    restock: bool = False,
) -> Refund:
    """Reserve a refund on the payment, under its row lock: what is in flight counts, so two
    refunds racing can never together exceed what was paid minus what was refunded."""
    # The order row first, then the payment, as order_refund_unwind takes them too.
    order = orders.order_lock(order_id=payment.order_id)
    payment = payment_lock(payment_id=payment.pk)
    if payment.status != Payment.Status.SUCCEEDED or not payment.is_online:
        raise IllegalTransition(_("这笔支付不能原路退款"))
    if not reason.strip():
        raise InvalidInput(_("请填写退款原因"), field="reason")
    if order.status not in orders.REFUNDABLE:
        raise IllegalTransition(_("只有已付款的订单可以退款"))
    in_flight = list(Refund.objects.filter(payment__order=order, status=Refund.Status.PROCESSING))
    reserved: Counter[int] = Counter()
    for other in in_flight:
        reserved.update({int(line): qty for line, qty in other.quantities.items()})
    lines = {line.pk: line for line in order.lines.order_by("pk")}
    available = {pk: line.refundable_quantity - reserved[pk] for pk, line in lines.items()}
    wanted = dict(available) if quantities is None else dict(quantities)
    wanted = {pk: qty for pk, qty in wanted.items() if qty}
    if not wanted:
        raise InvalidInput(_("请选择要退款的商品和数量"), field="quantities")
    amount = ZERO
    for pk, qty in wanted.items():
        if pk not in lines:
            raise InvalidInput(_("退款的商品不属于这个订单"), field="quantities")
        if qty < 0 or qty > available[pk]:
            raise InvalidInput(
                _("“%(title)s”最多可退 %(count)s 件")
                % {"title": lines[pk].title, "count": max(available[pk], 0)},
                field="quantities",
            )
        amount += orders.order_paid_share(order=order, list_amount=lines[pk].unit_price * qty)
    amount = money(amount)
    in_flight_amount = sum((other.amount for other in in_flight), ZERO)
    if all(available[pk] == wanted.get(pk, 0) for pk in lines):
        # As order_refund does: the refund that empties the order returns exactly what is left.
        amount = order.paid_amount - order.refunded_amount - in_flight_amount
    refundable = min(
        order.paid_amount - order.refunded_amount - in_flight_amount,
        payment.amount - payment.refunded_amount,
    )
    if amount > refundable:
        raise InvalidInput(
            _("退款金额 ¥%(amount)s 超过可退金额 ¥%(refundable)s")
            % {"amount": amount, "refundable": max(refundable, ZERO)},
            field="quantities",
        )
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + amount)
    return Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason.strip(),
        quantities={str(pk): qty for pk, qty in wanted.items()},
        restock=restock,
        out_refund_no=_out_refund_no(payment),
        actor=actor,
    )


def refund_submit(*, refund: Refund) -> Refund:
    """Ask the provider to send the money back (no lock held). A refund it refuses is released;
    one it accepts settles now or when its notification (or the query task) says so."""
    payment = refund.payment
    if payment.provider == Provider.SANDBOX:
        from apps.payments.sandbox_flow import sandbox_refund_notify

        sandbox_refund_notify(refund=refund)
        refund.refresh_from_db()
        return refund
    client, _config = wechatpay_client()
    try:
        body = provider_call(
            lambda: client.refund(
                out_refund_no=refund.out_refund_no,
                amount={
                    "refund": to_fen(refund.amount),
                    "total": to_fen(payment.amount),
                    "currency": "CNY",
                },
                out_trade_no=payment.out_trade_no,
                reason=refund.reason[:80],
            )
        )
    except ProviderUnreachable:
        return refund  # the outcome is unknown: the query task asks again later
    except ProviderError as error:
        refund_fail(refund=refund, failure=error.message)
        raise
    return refund_settle_answer(refund_id=refund.pk, data=body)


def refund_settle_answer(*, refund_id: int, data: Mapping[str, Any]) -> Refund:
    """The provider's word on a refund (the synchronous answer, a query or a notification)."""
    status = str(data.get("status") or data.get("refund_status") or "")
    if status == "SUCCESS":
        return refund_succeed(refund_id=refund_id, data=data)
    if status in ("CLOSED", "ABNORMAL"):
        return refund_fail(
            refund=Refund.objects.get(pk=refund_id), failure=_("微信支付退款状态：%s") % status
        )
    return Refund.objects.get(pk=refund_id)


@transaction.atomic
def refund_succeed(*, refund_id: int, data: Mapping[str, Any]) -> Refund:
    """The money went back: write the order's refund (lines, stock, events), once."""
    refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund_id)
    if refund.status != Refund.Status.PROCESSING:
        return refund
    refund.status = Refund.Status.SUCCEEDED
    refund.refund_id = str(data.get("refund_id", ""))
    refund.raw = dict(data)
    refund.succeeded_at = parse_datetime(str(data.get("success_time", ""))) or timezone.now()
    if refund.order_refund_id is not None:
        # Recorded on the order first (a chain cancelled or short of its group size): the
        # money has now followed.
        refund.save(update_fields=["status", "refund_id", "raw", "succeeded_at", "updated_at"])
        return refund
    try:
        with transaction.atomic():
            refund.order_refund = orders.order_refund(
                order=refund.payment.order,
                actor=refund.actor,
                reason=refund.reason,
                quantities={int(line): qty for line, qty in refund.quantities.items()},
                restock=refund.restock,
            )
        if refund.order_refund.amount != refund.amount:
            # Refunds applied in another order than reserved can round a fen differently.
            raise IllegalTransition(
                _("订单记录退款 ¥%(recorded)s，微信支付退回 ¥%(sent)s")
                % {"recorded": refund.order_refund.amount, "sent": refund.amount}
            )
    except DomainError as error:
        refund.failure = _("钱已退回，但订单未能如实记录退款：%s") % error.message
        finance_notify(
            template="payment_flagged",
            key=f"refund-unrecorded:{refund.pk}",
            context={
                "out_trade_no": refund.out_refund_no,
                "order": refund.payment.order.number,
                "amount": str(refund.amount),
                "reason": refund.failure,
            },
        )
    refund.save(
        update_fields=[
            "status",
            "refund_id",
            "raw",
            "succeeded_at",
            "order_refund",
            "failure",
            "updated_at",
        ]
    )
    return refund


def order_refund_unwind(*, order: Order, actor: User | None, reason: str) -> OrderRefund:
    """Refund what is left of a paid order at once, stock back: a chain cancelled, or closed short
    of its group size. Runs inside the caller's transaction (the chain's lock is held); when the
    order was paid online, the money follows through the provider after the commit."""
    order_refund = orders.order_refund(order=order, actor=actor, reason=reason, restock=True)
    _refund_follow(order_refund=order_refund)
    return order_refund


def _refund_follow(*, order_refund: OrderRefund) -> Refund | None:
    """Send the money of an order refund already recorded back the way it was paid online."""
    payment = order_online_payment(order=order_refund.order)
    if payment is None:
        return None  # paid in cash: the leader hands the money back
    payment = payment_lock(payment_id=payment.pk)
    refundable = payment.amount - payment.refunded_amount
    amount = min(order_refund.amount, refundable)
    if amount <= 0:
        return None
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + amount)
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=order_refund.reason,
        quantities={str(line.line_id): line.quantity for line in order_refund.lines.all()},
        restock=order_refund.restocked,
        out_refund_no=_out_refund_no(payment),
        actor=order_refund.actor,
        order_refund=order_refund,
    )
    refund_id = refund.pk
    task_delay_on_commit("apps.payments.tasks.submit_refund", refund_id)
    return refund


@transaction.atomic
def refund_fail(*, refund: Refund, failure: str) -> Refund:
    refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
    if refund.status != Refund.Status.PROCESSING:
        return refund
    refund.status = Refund.Status.FAILED
    refund.failure = failure[:200]
    refund.save(update_fields=["status", "failure", "updated_at"])
    if refund.order_refund_id is not None:
        # The order already says refunded but the money did not go back: finance must act.
        finance_notify(
            template="payment_flagged",
            key=f"refund-failed:{refund.pk}",
            context={
                "out_trade_no": refund.out_refund_no,
                "order": refund.payment.order.number,
                "amount": str(refund.amount),
                "reason": refund.failure,
            },
        )
    Payment.objects.filter(pk=refund.payment_id).update(
        refunded_amount=F("refunded_amount") - refund.amount
    )
    return refund


def refund_settle(*, merchant: Merchant, refund_data: Mapping[str, Any]) -> Refund:
    """A refund notification: checked against the refund it names, then applied once."""
    refund = (
        Refund.objects.select_related("payment")
        .filter(out_refund_no=str(refund_data.get("out_refund_no", "")))
        .first()
    )
    if refund is None:
        raise NotFound(_("商户退款单号不存在"))
    amount = refund_data.get("amount") or {}
    refunded = amount.get("refund") if isinstance(amount, Mapping) else None
    if (
        refund.payment.provider not in merchant.providers
        or str(refund_data.get("mchid", "")) != merchant.mchid
        or refunded != to_fen(refund.amount)
    ):
        if refund.status == Refund.Status.PROCESSING:
            finance_notify(
                template="payment_flagged",
                key=f"refund-mismatch:{refund.pk}",
                context={
                    "out_trade_no": refund.out_refund_no,
                    "order": refund.payment.order.number,
                    "amount": str(refund.amount),
                    "reason": _("退款通知与退款单不符：%s") % dict(refund_data),
                },
            )
        return refund
    return refund_settle_answer(refund_id=refund.pk, data=refund_data)


# --- Asking WeChat Pay about what never got a notification ----------------------------------


def payments_query_pending(*, now: datetime | None = None, batch: int = 200) -> int:
    """Settle WeChat Pay payments and refunds whose notification has not come; returns how many
    changed. Runs every few minutes, well before unpaid orders time out."""
    if not wechatpay_enabled():
        return 0
    from apps.payments.merchant import merchants

    merchant = next(m for m in merchants() if m.providers == WECHAT_PROVIDERS)
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.PAYMENTS_QUERY_AFTER_MINUTES)
    client, _config = wechatpay_client()
    changed = 0
    pending = Payment.objects.filter(
        status=Payment.Status.CREATED,
        provider__in=WECHAT_PROVIDERS,
        flag_reason="",
        created_at__lt=cutoff,
        order__status=Order.Status.PENDING_PAYMENT,
    ).order_by("pk")[:batch]
    for payment in pending:
        try:
            data = provider_call(partial(client.query, out_trade_no=payment.out_trade_no))
            settled = payment_settle(merchant=merchant, transaction_data=data)
        except DomainError as error:
            logger.warning("query of %s failed: %s", payment.out_trade_no, error.message)
            continue
        changed += settled.status != Payment.Status.CREATED or bool(settled.flag_reason)
    refunds = Refund.objects.filter(
        status=Refund.Status.PROCESSING,
        payment__provider__in=WECHAT_PROVIDERS,
        created_at__lt=cutoff,
    ).order_by("pk")[:batch]
    for refund in refunds:
        try:
            data = provider_call(
                lambda r=refund: client.query_refund(out_refund_no=r.out_refund_no)
            )
            changed += refund_settle_answer(refund_id=refund.pk, data=data).status != (
                Refund.Status.PROCESSING
            )
        except DomainError as error:
            logger.warning("refund query %s failed: %s", refund.out_refund_no, error.message)
    return changed


def payments_close_for_order(*, order_id: int) -> int:
    """The order was cancelled: close its open online payments so nobody can pay them."""
    closed = 0
    for payment in Payment.objects.filter(order_id=order_id, status=Payment.Status.CREATED):
        if payment.provider in WECHAT_PROVIDERS:
            try:
                client, _config = wechatpay_client()
                provider_call(partial(client.close, out_trade_no=payment.out_trade_no))
            except DomainError as error:
                logger.warning("close of %s failed: %s", payment.out_trade_no, error.message)
                continue  # paid meanwhile, say: the query task settles (and flags) it
        updated = Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
            status=Payment.Status.CLOSED, updated_at=timezone.now()
        )
        closed += updated
    return closed
