"""Paying and refunding in the sandbox: notifications built and signed like WeChat Pay's, fed to
the same handler as the notification endpoint."""

import secrets

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import IllegalTransition, NotFound
from apps.core.money import to_fen
from apps.payments.callbacks import CallbackAnswer, notification_receive
from apps.payments.models import Payment, Refund
from apps.payments.sandbox import SANDBOX_APPID, SANDBOX_MCHID, sandbox_enabled, sandbox_keys
from apps.payments.wechatpay_crypto import notification_build


def _require_sandbox() -> None:
    if not sandbox_enabled():
        raise ImproperlyConfigured("The payment sandbox is off (PAYMENTS_SANDBOX, local hosts).")


def sandbox_pay(*, out_trade_no: str) -> CallbackAnswer:
    """The member tapped 支付 in the sandbox: WeChat Pay would now notify us that it succeeded."""
    _require_sandbox()
    payment = Payment.objects.filter(out_trade_no=out_trade_no, provider="sandbox").first()
    if payment is None:
        raise NotFound(_("支付单不存在"))
    if payment.status != Payment.Status.CREATED:
        raise IllegalTransition(_("这笔支付已处理"))
    private_key, serial, apiv3_key = sandbox_keys()
    now = timezone.localtime().isoformat(timespec="seconds")
    message = notification_build(
        private_key=private_key,
        serial=serial,
        apiv3_key=apiv3_key,
        event_type="TRANSACTION.SUCCESS",
        resource_type="transaction",
        summary="支付成功",
        plaintext={
            "mchid": SANDBOX_MCHID,
            "appid": SANDBOX_APPID,
            "out_trade_no": payment.out_trade_no,
            "transaction_id": f"SANDBOX{secrets.token_hex(10).upper()}",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "success_time": now,
            "payer": {"openid": payment.raw.get("payer_openid") or "sandbox-payer"},
            "amount": {
                "total": to_fen(payment.amount),
                "payer_total": to_fen(payment.amount),
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        },
    )
    return notification_receive(headers=message.headers, body=message.body)


def sandbox_refund_notify(*, refund: Refund) -> CallbackAnswer:
    """The sandbox refunds at once and notifies, as WeChat Pay does when a refund completes."""
    _require_sandbox()
    private_key, serial, apiv3_key = sandbox_keys()
    payment = refund.payment
    message = notification_build(
        private_key=private_key,
        serial=serial,
        apiv3_key=apiv3_key,
        event_type="REFUND.SUCCESS",
        resource_type="refund",
        summary="退款成功",
        plaintext={
            "mchid": SANDBOX_MCHID,
            "out_trade_no": payment.out_trade_no,
            "transaction_id": payment.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": f"SANDBOXR{secrets.token_hex(8).upper()}",
            "refund_status": "SUCCESS",
            "success_time": timezone.localtime().isoformat(timespec="seconds"),
            "user_received_account": "沙箱零钱",
            "amount": {
                "total": to_fen(payment.amount),
                "refund": to_fen(refund.amount),
                "payer_total": to_fen(payment.amount),
                "payer_refund": to_fen(refund.amount),
            },
        },
    )
    return notification_receive(headers=message.headers, body=message.body)
