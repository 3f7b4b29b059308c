"""WeChat Pay through the real SDK and HTTP stack against a fake server on loopback."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.notifications.models import Notification
from apps.orders.models import Order, OrderLog
from apps.payments import services
from apps.payments.merchant import wechatpay_enabled
from apps.payments.models import Payment
from tests.payments.conftest import place_order
from tests.payments.fake_wechatpay import (
    APPID,
    MCHID,
    FakeWeChatPay,
    django_headers,
    generate_keys,
    notification,
    rsa_verifies,
    transaction,
)

pytestmark = pytest.mark.django_db
NOTIFY = "/payments/wechat/notify/"


def _post(client: Client, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        NOTIFY, data=body, content_type="application/json", **django_headers(headers)
    )


def _native(order: Order) -> Payment:
    return services.payment_start(order=order, provider=Payment.Provider.WECHAT_NATIVE).payment


def test_wechatpay_is_off_without_settings(client: Client) -> None:
    order = place_order()
    assert not wechatpay_enabled()
    with pytest.raises(InvalidInput):
        services.payment_start(order=order, provider=Payment.Provider.WECHAT_NATIVE)
    from apps.payments.views import order_ref

    page = client.get(f"/payments/order/{order_ref(order.pk)}/")
    assert "微信支付未开通" in page.content.decode()
    assert not Payment.objects.exists()


def test_native_prepay_returns_a_code_url_and_a_qr_code(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    order = place_order(quantity=2, price="29.90")
    checkout = services.payment_start(order=order, provider=Payment.Provider.WECHAT_NATIVE)

    assert checkout.code_url == f"weixin://wxpay/bizpayurl?pr={checkout.payment.out_trade_no}"
    [sent] = wechatpay.bodies("/v3/pay/transactions/native")
    assert wechatpay.unauthorised == []  # the SDK signed the request with the merchant key
    assert sent["amount"] == {"total": 5980, "currency": "CNY"}
    assert (sent["mchid"], sent["appid"]) == (MCHID, APPID)
    assert sent["notify_url"] == "https://shop.example.test/payments/wechat/notify/"
    assert sent["time_expire"].startswith(
        timezone.localtime(order.created_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )

    from apps.payments.views import order_ref

    page = client.post(f"/payments/order/{order_ref(order.pk)}/", {"provider": "wechat_native"})
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    # The same pending payment is offered again rather than a second one opened.
    assert Payment.objects.filter(order=order).count() == 1


def test_jsapi_prepay_signs_the_page_parameters(wechatpay: FakeWeChatPay) -> None:
    from tests.accounts.factories import UserFactory

    buyer = UserFactory(wechat_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    order = place_order(buyer=buyer)
    checkout = services.payment_start(
        order=order, provider=Payment.Provider.WECHAT_JSAPI, payer_openid=buyer.wechat_openid
    )

    [sent] = wechatpay.bodies("/v3/pay/transactions/jsapi")
    assert sent["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    params = checkout.jsapi_params
    assert params["package"] == f"prepay_id=wx2014{checkout.payment.out_trade_no}"
    assert params["appId"] == APPID and params["signType"] == "RSA"
    message = "\n".join(
        [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
    )
    assert rsa_verifies(
        wechatpay.keys.merchant.public_key(), (message + "\n").encode(), params["paySign"]
    )


def test_a_notification_marks_the_order_paid_once(wechatpay: FakeWeChatPay, client: Client) -> None:
    order = place_order()
    payment = _native(order)
    headers, body = notification(wechatpay.keys, transaction(payment.out_trade_no, 5980))

    response = _post(client, headers, body)

    assert response.status_code == 200
    assert response.json()["code"] == "SUCCESS"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.paid_amount, order.payment_method) == (
        Order.Status.PAID,
        Decimal("59.80"),
        "wechat_native",
    )
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.transaction_id.startswith("42000000")
    paid_at = order.paid_at

    # WeChat Pay sends it again (it does, until it hears SUCCESS): nothing changes.
    replay = _post(client, headers, body)

    assert replay.status_code == 200 and replay.json()["code"] == "SUCCESS"
    order.refresh_from_db()
    assert order.paid_at == paid_at
    assert OrderLog.objects.filter(order=order, to_status=Order.Status.PAID).count() == 1


def test_a_forged_signature_gets_401_and_changes_nothing(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    order = place_order()
    payment = _native(order)
    forger = generate_keys().platform
    headers, body = notification(
        wechatpay.keys, transaction(payment.out_trade_no, 5980), signing_key=forger
    )

    response = _post(client, headers, body)

    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    # A genuine signature over a body changed afterwards fails the same way.
    headers, body = notification(wechatpay.keys, transaction(payment.out_trade_no, 5980))
    assert _post(client, headers, body.replace(b"TRANSACTION", b"TRANSACTIOM")).status_code == 401
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert payment.status == Payment.Status.CREATED


def test_a_stale_timestamp_gets_401_and_changes_nothing(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    order = place_order()
    payment = _native(order)
    six_minutes_ago = int(timezone.now().timestamp()) - 6 * 60
    headers, body = notification(
        wechatpay.keys, transaction(payment.out_trade_no, 5980), timestamp=six_minutes_ago
    )

    response = _post(client, headers, body)

    assert response.status_code == 401
    assert "过期" in response.json()["message"]
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"total": 1}, "金额不符"), ({"mchid": "1999999999"}, "商户号不符")],
)
def test_a_mismatch_leaves_the_order_unpaid_and_tells_finance(
    wechatpay: FakeWeChatPay,
    client: Client,
    finance_user: object,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    order = place_order()
    payment = _native(order)
    data = transaction(
        payment.out_trade_no, int(overrides.get("total", 5980)), mchid=overrides.get("mchid", MCHID)
    )
    headers, body = notification(wechatpay.keys, data)

    response = _post(client, headers, body)

    assert response.status_code == 200  # taken: finance decides, a resend would not help
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert reason in payment.flag_reason
    [message] = Notification.objects.filter(recipient=finance_user)
    assert message.template == "payment_flagged"
    assert message.context["out_trade_no"] == payment.out_trade_no
    # Neither a replay nor the query task settles a flagged payment.
    _post(client, headers, body)
    assert services.payments_query_pending(now=timezone.now() + timedelta(hours=1)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_unknown_payment_gets_fail_so_wechat_pay_retries(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    headers, body = notification(wechatpay.keys, transaction("NOSUCHTRADE0001", 100))
    response = _post(client, headers, body)
    assert response.status_code == 404
    assert response.json()["code"] == "FAIL"


def test_the_query_task_settles_a_payment_whose_notification_never_came(
    wechatpay: FakeWeChatPay,
) -> None:
    order = place_order()
    payment = _native(order)
    wechatpay.transactions[payment.out_trade_no] = transaction(payment.out_trade_no, 5980)

    assert services.payments_query_pending() == 0  # too young to ask about
    changed = services.payments_query_pending(now=timezone.now() + timedelta(minutes=6))

    assert changed == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_cancelled_order_closes_its_open_wechat_payment(
    wechatpay: FakeWeChatPay, django_capture_on_commit_callbacks: object
) -> None:
    from apps.orders.services import order_cancel

    order = place_order()
    payment = _native(order)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        order_cancel(order=order, actor=None, reason="超时未付款")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CLOSED
    assert wechatpay.closed == [payment.out_trade_no]


def _paid_online(wechatpay: FakeWeChatPay, client: Client, *, quantity: int = 3) -> Order:
    order = place_order(quantity=quantity, price="20.00")
    payment = _native(order)
    headers, body = notification(wechatpay.keys, transaction(payment.out_trade_no, quantity * 2000))
    assert _post(client, headers, body).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def test_a_refund_goes_back_through_wechat_pay(wechatpay: FakeWeChatPay, client: Client) -> None:
    order = _paid_online(wechatpay, client)
    line = order.lines.get()

    outcome = services.order_refund_request(
        order=order, actor=None, reason="少发一份", quantities={line.pk: 1}
    )

    [sent] = wechatpay.bodies("/v3/refund/domestic/refunds")
    assert sent["amount"] == {"refund": 2000, "total": 6000, "currency": "CNY"}
    assert not outcome.pending and outcome.order_refund is not None
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        Order.Status.PARTIALLY_REFUNDED,
        Decimal("20.00"),
    )


def test_a_refund_in_progress_is_applied_by_its_notification_once(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    order = _paid_online(wechatpay, client)
    wechatpay.refund_status = "PROCESSING"
    outcome = services.order_refund_request(order=order, actor=None, reason="不要了")
    assert outcome.pending
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("0.00")  # not before the money has gone back

    refund = outcome.refund
    assert refund is not None
    resource = {
        "mchid": MCHID,
        "out_trade_no": refund.payment.out_trade_no,
        "transaction_id": refund.payment.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": "50000000382019052709732678859",
        "refund_status": "SUCCESS",
        "success_time": "2024-05-20T13:29:35+08:00",
        "amount": {"total": 6000, "refund": 6000, "payer_total": 6000, "payer_refund": 6000},
    }
    headers, body = notification(
        wechatpay.keys, resource, event_type="REFUND.SUCCESS", original_type="refund"
    )
    for _ in range(2):
        response = client.post(
            "/payments/wechat/refund-notify/",
            data=body,
            content_type="application/json",
            **django_headers(headers),
        )
        assert response.status_code == 200

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, Decimal("60.00"))
    assert order.refunds.count() == 1


def test_a_refund_over_the_refundable_amount_is_refused_clearly(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    order = _paid_online(wechatpay, client, quantity=3)
    line = order.lines.get()
    wechatpay.refund_status = "PROCESSING"
    services.order_refund_request(
        order=order, actor=None, reason="坏了两个", quantities={line.pk: 2}
    )

    with pytest.raises(InvalidInput) as refused:
        services.order_refund_request(
            order=order, actor=None, reason="再退两个", quantities={line.pk: 2}
        )

    assert "最多可退 1 件" in refused.value.message
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("40.00")
    assert len(wechatpay.bodies("/v3/refund/domestic/refunds")) == 1


def test_a_refund_wechat_pay_refuses_is_released(wechatpay: FakeWeChatPay, client: Client) -> None:
    order = _paid_online(wechatpay, client)
    wechatpay.refund_error = (403, "NOT_ENOUGH")

    with pytest.raises(services.ProviderError):
        services.order_refund_request(order=order, actor=None, reason="不要了")

    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("0.00")
    assert payment.refunds.get().status == "failed"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_notification_answers_are_json_as_wechat_pay_expects(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    response = client.post(NOTIFY, data=b"{}", content_type="application/json")
    assert response.status_code == 401
    assert json.loads(response.content) == {"code": "FAIL", "message": "签名信息缺失"}


def test_the_api_refund_of_a_wechat_paid_order_goes_back_through_wechat_pay(
    wechatpay: FakeWeChatPay, client: Client
) -> None:
    from rest_framework.test import APIClient

    order = _paid_online(wechatpay, client)
    api = APIClient()
    api.force_authenticate(order.chain_entry.chain.leader)
    wechatpay.refund_status = "PROCESSING"

    response = api.post(f"/api/v1/orders/{order.pk}/refund/", {"reason": "不要了"}, format="json")

    assert response.status_code == 202
    assert response.json()["code"] == "refund_processing"
    assert len(wechatpay.bodies("/v3/refund/domestic/refunds")) == 1
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("0.00")  # recorded when WeChat Pay confirms
