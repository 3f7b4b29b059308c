"""Refunds racing on one payment, on real PostgreSQL with real threads."""

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from apps.core.errors import DomainError
from apps.orders.models import Order
from apps.payments import services
from apps.payments.models import Payment, Refund
from tests.payments.conftest import place_order
from tests.payments.fake_wechatpay import FakeWeChatPay, django_headers, notification, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def race(workers: int, work: Callable[[], object]) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def worker() -> None:
        try:
            barrier.wait()
            try:
                work()
                outcome = "ok"
            except DomainError as error:
                outcome = error.code
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return outcomes


def _paid(wechatpay: FakeWeChatPay, quantity: int) -> Order:
    order = place_order(quantity=quantity, price="20.00")
    payment = services.payment_start(order=order, provider=Payment.Provider.WECHAT_NATIVE).payment
    headers, body = notification(wechatpay.keys, transaction(payment.out_trade_no, quantity * 2000))
    response = Client().post(
        "/payments/wechat/notify/",
        data=body,
        content_type="application/json",
        **django_headers(headers),
    )
    assert response.status_code == 200
    return order


def test_ten_refunds_of_one_unit_racing_on_three_units_refund_exactly_three(
    wechatpay: FakeWeChatPay,
) -> None:
    # Given an order of 3 × ¥20 paid through WeChat Pay
    order = _paid(wechatpay, quantity=3)
    line = order.lines.get()

    # When 10 leaders' clicks each refund one unit at the same moment
    outcomes = race(
        10,
        lambda: services.order_refund_request(
            order=order, actor=None, reason="缺货", quantities={line.pk: 1}
        ),
    )

    # Then 3 go through WeChat Pay, 7 are refused (nothing left to refund, or the order is
    # already fully refunded), and no more than was paid goes back
    assert outcomes["ok"] == 3
    assert outcomes["invalid"] + outcomes["illegal_transition"] == 7
    assert len(wechatpay.bodies("/v3/refund/domestic/refunds")) == 3
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("60.00")
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, Decimal("60.00"))


def test_two_whole_refunds_racing_while_wechat_pay_is_still_processing_reserve_once(
    wechatpay: FakeWeChatPay,
) -> None:
    # Given a paid order, and WeChat Pay answering refunds with PROCESSING
    order = _paid(wechatpay, quantity=2)
    wechatpay.refund_status = "PROCESSING"

    # When two full refunds race
    outcomes = race(
        2, lambda: services.order_refund_request(order=order, actor=None, reason="不要了")
    )

    # Then one is in flight and the other refused: in-flight money counts as refunded
    assert outcomes == Counter({"ok": 1, "invalid": 1})
    assert Refund.objects.filter(status=Refund.Status.PROCESSING).count() == 1
    assert Payment.objects.get(order=order).refunded_amount == Decimal("40.00")
