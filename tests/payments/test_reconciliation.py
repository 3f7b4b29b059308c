"""Reconciliation of the WeChat Pay trade bill against our payments and refunds."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.notifications.models import Notification
from apps.orders.models import Order
from apps.payments.models import Payment, ReconciliationRow, ReconciliationRun, Refund
from apps.payments.reconciliation import reconciliation_daily, reconciliation_run
from tests.payments.conftest import place_order
from tests.payments.fake_wechatpay import APPID, MCHID, FakeWeChatPay

pytestmark = pytest.mark.django_db

HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
BILL_DATE = date(2025, 3, 14)


def bill_line(
    out_trade_no: str,
    amount: str,
    *,
    state: str = "SUCCESS",
    out_refund_no: str = "0",
    refund: str = "0.00",
) -> str:
    fields = [
        "2025-03-14 10:15:00", APPID, MCHID, "0", "", "4200001234202503141234567890",
        out_trade_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "NATIVE", state, "OTHERS", "CNY",
        amount if state == "SUCCESS" else "0.00", "0.00",
        "50000000382019052709732678859" if state == "REFUND" else "0", out_refund_no,
        refund, "0.00", "ORIGINAL" if state == "REFUND" else "", "SUCCESS" if state == "REFUND" else "",
        "团购订单", "", "0.36000", "0.60%", amount, refund, "",
    ]  # fmt: skip
    return ",".join(f"`{value}" for value in fields)


def bill(*lines: str) -> str:
    return "\r\n".join(
        [
            HEADER,
            *lines,
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
            "`4,`199.20,`20.00,`0.00,`1.20000,`199.20,`20.00",
            "",
        ]
    )


def succeeded_payment(order: Order, out_trade_no: str, amount: str) -> Payment:
    paid_at = timezone.make_aware(datetime.combine(BILL_DATE, datetime.min.time())) + timedelta(
        hours=10
    )
    return Payment.objects.create(
        order=order,
        provider=Payment.Provider.WECHAT_NATIVE,
        amount=Decimal(amount),
        out_trade_no=out_trade_no,
        status=Payment.Status.SUCCEEDED,
        succeeded_at=paid_at,
    )


def test_every_kind_of_row_is_classified(finance_user: object) -> None:
    order = place_order()
    matched = succeeded_payment(order, "T0001", "59.80")
    over = succeeded_payment(order, "T0002", "59.80")
    short = succeeded_payment(order, "T0003", "59.80")
    only_here = succeeded_payment(order, "T0004", "19.90")
    refund = Refund.objects.create(
        payment=matched,
        amount=Decimal("20.00"),
        reason="少发",
        out_refund_no="R0001",
        status=Refund.Status.SUCCEEDED,
        succeeded_at=matched.succeeded_at,
    )
    text = bill(
        bill_line("T0001", "59.80"),
        bill_line("T0002", "69.80"),
        bill_line("T0003", "49.80"),
        bill_line("T9999", "10.00"),
        bill_line("T0001", "59.80", state="REFUND", out_refund_no="R0001", refund="20.00"),
    )

    run = reconciliation_run(bill_date=BILL_DATE, text=text)

    rows = {
        (row.out_refund_no or row.out_trade_no): (row.result, row.direction)
        for row in run.rows.all()
    }
    R, D = ReconciliationRow.Result, ReconciliationRow.Direction
    assert rows == {
        "T0001": (R.MATCHED, D.NONE),
        "T0002": (R.AMOUNT_MISMATCH, D.OVER),  # 长款: WeChat Pay took more than we recorded
        "T0003": (R.AMOUNT_MISMATCH, D.SHORT),  # 短款
        "T9999": (R.MISSING_HERE, D.OVER),
        "T0004": (R.MISSING_REMOTE, D.SHORT),
        "R0001": (R.MATCHED, D.NONE),
    }
    assert run.rows.get(out_trade_no="T0004").payment == only_here
    assert run.rows.get(out_refund_no="R0001").refund == refund
    assert (run.matched, run.missing_here, run.missing_remote, run.mismatched) == (2, 1, 1, 2)
    assert (run.bill_total, run.bill_refund_total) == (Decimal("199.20"), Decimal("20.00"))
    assert not run.is_clean
    [message] = Notification.objects.filter(recipient=finance_user)
    assert message.template == "reconciliation_mismatch"
    assert message.context["missing_here"] == "1"
    assert over.pk and short.pk


def test_a_clean_bill_tells_nobody(finance_user: object) -> None:
    succeeded_payment(place_order(), "T0001", "59.80")
    run = reconciliation_run(bill_date=BILL_DATE, text=bill(bill_line("T0001", "59.80")))
    assert run.is_clean and run.matched == 1
    assert not Notification.objects.exists()


def test_something_that_is_not_a_bill_is_refused() -> None:
    with pytest.raises(InvalidInput):
        reconciliation_run(bill_date=BILL_DATE, text="hello,world\n")
    assert not ReconciliationRun.objects.exists()


def test_the_daily_task_downloads_yesterdays_bill_through_the_sdk(
    wechatpay: FakeWeChatPay,
) -> None:
    succeeded_payment(place_order(), "T0001", "59.80")
    wechatpay.bill = bill(bill_line("T0001", "59.80")).encode()

    run = reconciliation_daily(today=BILL_DATE + timedelta(days=1))

    assert run is not None
    assert (run.bill_date, run.source, run.matched) == (BILL_DATE, "download", 1)
    assert [path for _, path, _ in wechatpay.requests] == [
        "/v3/bill/tradebill",
        "/v3/billdownload/file",
    ]
    assert wechatpay.unauthorised == []
    # Once per day: a second run finds the day reconciled.
    assert reconciliation_daily(today=BILL_DATE + timedelta(days=1)) is None


def test_finance_sees_runs_and_rows_read_only_in_admin(
    client: Client, finance_user: object
) -> None:
    succeeded_payment(place_order(), "T0001", "59.80")
    run = reconciliation_run(bill_date=BILL_DATE, text=bill(bill_line("T0002", "1.00")))
    client.force_login(finance_user)  # type: ignore[arg-type]

    listing = client.get("/admin/payments/reconciliationrun/")
    detail = client.get(f"/admin/payments/reconciliationrun/{run.pk}/change/")

    assert listing.status_code == 200 and detail.status_code == 200
    assert "T0002" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/payments/payment/").status_code == 200
