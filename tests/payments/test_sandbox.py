"""The payment sandbox: a member pays in the demo, through the notification path."""

import stat
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import Client

from apps.chains.receipts import receipt_url
from apps.orders.models import Order, OrderLog
from apps.payments import callbacks
from apps.payments.models import Payment
from apps.payments.sandbox import sandbox_enabled, sandbox_keys
from tests.payments.conftest import place_order
from tests.payments.fake_wechatpay import django_headers

pytestmark = pytest.mark.django_db


def test_a_member_pays_with_the_sandbox_through_the_notification_handler(
    sandbox: Path, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = place_order()
    receipt = receipt_url(order.chain_entry)
    page = client.get(receipt).content.decode()
    assert "微信支付" in page and "支付沙箱" in page
    handled: list[tuple[dict[str, str], bytes]] = []
    real_handler = callbacks.notification_receive

    def spy(*, headers: dict[str, str], body: bytes) -> callbacks.CallbackAnswer:
        handled.append((headers, body))
        return real_handler(headers=headers, body=body)

    monkeypatch.setattr("apps.payments.sandbox_flow.notification_receive", spy)

    # The member taps 微信支付 on the receipt, then 支付 on the sandbox page.
    pay_link = page.split('href="/payments/order/')[1].split('"')[0].replace("&amp;", "&")
    started = client.post(f"/payments/order/{pay_link}", {"provider": "sandbox"})
    assert started.status_code == 302 and "/payments/sandbox/" in started["Location"]
    paid = client.post(started["Location"])

    assert paid.status_code == 302 and paid["Location"] == receipt
    order.refresh_from_db()
    assert (order.status, order.payment_method) == (Order.Status.PAID, "sandbox")
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.raw["transaction"]["trade_state"] == "SUCCESS"
    # One signed, encrypted notification went through the shared handler; the endpoint itself
    # accepts it as WeChat Pay's (and, as a replay, changes nothing).
    [(headers, body)] = handled
    assert (
        b'"resource_type": "encrypt-resource"' in body and payment.out_trade_no.encode() not in body
    )
    replay = client.post(
        "/payments/wechat/notify/",
        data=body,
        content_type="application/json",
        **django_headers(headers),
    )
    assert (replay.status_code, replay.json()["code"]) == (200, "SUCCESS")
    assert OrderLog.objects.filter(order=order, to_status=Order.Status.PAID).count() == 1
    assert "微信支付" not in client.get(receipt).content.decode().split("如何付款")[1]


def test_the_leaders_refund_of_a_sandbox_payment_goes_back_through_the_sandbox(
    sandbox: Path, client: Client
) -> None:
    order = place_order(quantity=2)
    setup_leader = order.chain_entry.chain.leader
    pay = client.post(f"/payments/order/{_ref(order)}/", {"provider": "sandbox"}, follow=False)
    client.post(pay["Location"])
    client.force_login(setup_leader)
    chain = order.chain_entry.chain
    line = order.lines.get()

    response = client.post(
        f"/leader/chains/{chain.pk}/entries/{order.chain_entry.pk}/refund/",
        {"reason": "少一份", f"line_{line.pk}": 1, "restock": "on"},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        Order.Status.PARTIALLY_REFUNDED,
        line.unit_price,
    )
    refund = Payment.objects.get(order=order).refunds.get()
    assert refund.status == "succeeded" and refund.order_refund is not None


def test_the_sandbox_refuses_production_like_settings(
    sandbox: Path, client: Client, settings: object
) -> None:
    settings.ALLOWED_HOSTS = ["tuangou.example.com"]  # type: ignore[attr-defined]
    order = place_order()

    errors = [error.id for error in run_checks()]
    assert "payments.E001" in errors
    assert not sandbox_enabled()
    payment = Payment.objects.create(
        order=order, provider="sandbox", amount=order.total_amount, out_trade_no="SANDBOXTEST01"
    )
    response = client.post("/payments/sandbox/SANDBOXTEST01/", HTTP_HOST="tuangou.example.com")
    assert response.status_code == 404
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (Order.Status.PENDING_PAYMENT, "created")


def test_local_settings_pass_the_check(sandbox: Path) -> None:
    assert "payments.E001" not in [error.id for error in run_checks()]


def test_sandbox_keys_are_generated_once_and_kept_private(sandbox: Path) -> None:
    _, serial, apiv3_key = sandbox_keys()
    from apps.payments.sandbox import _keys

    _keys.cache_clear()
    assert sandbox_keys()[1:] == (serial, apiv3_key)
    assert len(apiv3_key) == 32
    for name in ("platform_key.pem", "platform_cert.pem", "apiv3_key"):
        assert stat.S_IMODE((sandbox / name).stat().st_mode) == 0o600


def _ref(order: Order) -> str:
    from apps.payments.views import order_ref

    return order_ref(order.pk)


def test_a_cancelled_chain_sends_online_payments_back_through_the_provider(
    sandbox: Path, client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from apps.chains.services import chain_cancel

    # Given an order paid through the sandbox
    order = place_order(quantity=2)
    pay = client.post(f"/payments/order/{_ref(order)}/", {"provider": "sandbox"}, follow=False)
    client.post(pay["Location"])
    chain = order.chain_entry.chain

    # When the leader calls the chain off (chains unwinds it through payments.order_refund_unwind)
    with django_capture_on_commit_callbacks(execute=True):
        chain_cancel(chain=chain, actor=chain.leader, reason="到货延误")

    # Then the money goes back through the provider, once, for the whole order
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    refund = payment.refunds.get()
    assert order.status == Order.Status.REFUNDED
    assert refund.status == "succeeded" and refund.amount == order.paid_amount
    assert refund.order_refund == order.refunds.get()
    assert payment.refunded_amount == order.paid_amount
