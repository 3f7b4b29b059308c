"""Reconciliation (对账): the WeChat Pay trade bill of a day against what we recorded.

The bill (`GET /v3/bill/tradebill`, then its download_url) is CSV: a header line, one line per
payment (交易状态 SUCCESS) or refund (REFUND) with every field prefixed by a backtick, then a
summary header (总交易单数,…) and one summary line. Every bill line is classified, and every
payment or refund we recorded that day but the bill lacks becomes a row of its own:
matched · missing here (WeChat Pay has it, we do not) · missing at WeChat Pay · amount mismatch.
长款 (over): WeChat Pay holds more than we recorded; 短款 (short): less.
"""

import csv
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import InvalidInput
from apps.core.money import money
from apps.payments.client import wechatpay_client
from apps.payments.merchant import WECHAT_PROVIDERS
from apps.payments.models import Payment, ReconciliationRow, ReconciliationRun, Refund
from apps.payments.services import finance_notify, provider_call

Result = ReconciliationRow.Result
Direction = ReconciliationRow.Direction
Kind = ReconciliationRow.Kind

HEADER_START = "交易时间"
SUMMARY_START = "总交易单数"


@dataclass
class TradeBill:
    rows: list[dict[str, str]] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)


def _fields(line: str) -> list[str]:
    return [value.removeprefix("`").strip() for value in next(csv.reader([line]))]


def trade_bill_parse(text: str) -> TradeBill:
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.startswith(HEADER_START)), None)
    if start is None:
        raise InvalidInput(_("不是微信支付交易账单：找不到表头“交易时间”"), field="bill")
    header = _fields(lines[start])
    bill = TradeBill()
    rest = iter(lines[start + 1 :])
    for line in rest:
        if line.startswith(SUMMARY_START):
            summary_header = _fields(line)
            totals = next(rest, "")
            bill.summary = dict(
                zip(summary_header, _fields(totals) if totals else [], strict=False)
            )
            break
        values = _fields(line)
        if len(values) < len(header) - 1:
            raise InvalidInput(_("账单行的列数不对：%s") % line[:80], field="bill")
        bill.rows.append(dict(zip(header, values, strict=False)))
    return bill


def _amount(row: dict[str, str], *names: str) -> Decimal | None:
    for name in names:
        raw = row.get(name, "").strip()
        if raw:
            try:
                return money(abs(Decimal(raw)))
            except (InvalidOperation, ValueError):
                continue
    return None


def _direction(*, bill: Decimal | None, ours: Decimal | None, refund: bool) -> str:
    """Over when WeChat Pay holds more than our books say; a refund moves money the other way."""
    held_more = (bill or 0) > (ours or 0)
    if refund:
        held_more = not held_more
    return Direction.OVER if held_more else Direction.SHORT


def _classify(
    *, bill: Decimal | None, ours: Decimal | None, recorded: bool, refund: bool
) -> tuple[str, str]:
    if not recorded:
        return Result.MISSING_HERE, _direction(bill=bill, ours=None, refund=refund)
    if bill != ours:
        return Result.AMOUNT_MISMATCH, _direction(bill=bill, ours=ours, refund=refund)
    return Result.MATCHED, Direction.NONE


def _day_bounds(bill_date: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(bill_date, time.min))
    return start, start + timedelta(days=1)


@transaction.atomic
def reconciliation_run(
    *, bill_date: date, text: str, source: str = ReconciliationRun.Source.UPLOAD
) -> ReconciliationRun:
    bill = trade_bill_parse(text)
    run = ReconciliationRun.objects.create(bill_date=bill_date, source=source)
    rows: list[ReconciliationRow] = []
    payments = {
        p.out_trade_no: p
        for p in Payment.objects.filter(
            out_trade_no__in=[r.get("商户订单号", "") for r in bill.rows]
        )
    }
    refunds = {
        r.out_refund_no: r
        for r in Refund.objects.filter(
            out_refund_no__in=[r.get("商户退款单号", "") for r in bill.rows]
        )
    }
    seen_payments: set[int] = set()
    seen_refunds: set[int] = set()
    for line in bill.rows:
        is_refund = line.get("交易状态") == "REFUND"
        if is_refund:
            refund = refunds.get(line.get("商户退款单号", ""))
            ours = refund.amount if refund else None
            recorded = refund is not None and refund.status == Refund.Status.SUCCEEDED
            bill_amount = _amount(line, "申请退款金额", "退款金额")
            if refund:
                seen_refunds.add(refund.pk)
            payment = refund.payment if refund else payments.get(line.get("商户订单号", ""))
        else:
            refund = None
            payment = payments.get(line.get("商户订单号", ""))
            ours = payment.amount if payment else None
            recorded = payment is not None and payment.status == Payment.Status.SUCCEEDED
            bill_amount = _amount(line, "订单金额", "应结订单金额")
            if payment:
                seen_payments.add(payment.pk)
        result, direction = _classify(
            bill=bill_amount, ours=ours, recorded=recorded, refund=is_refund
        )
        rows.append(
            ReconciliationRow(
                run=run,
                kind=Kind.REFUND if is_refund else Kind.PAYMENT,
                result=result,
                direction=direction,
                out_trade_no=line.get("商户订单号", ""),
                out_refund_no=line.get("商户退款单号", "") if is_refund else "",
                transaction_id=line.get("微信订单号", ""),
                bill_amount=bill_amount,
                our_amount=ours,
                payment=payment,
                refund=refund,
                raw=line,
            )
        )
    start, end = _day_bounds(bill_date)
    rows += _missing_remote(run, start, end, seen_payments, seen_refunds)
    ReconciliationRow.objects.bulk_create(rows)
    counts = {result: 0 for result in Result}
    for row in rows:
        counts[Result(row.result)] += 1
    run.matched = counts[Result.MATCHED]
    run.missing_here = counts[Result.MISSING_HERE]
    run.missing_remote = counts[Result.MISSING_REMOTE]
    run.mismatched = counts[Result.AMOUNT_MISMATCH]
    run.bill_total = _amount(bill.summary, "应结订单总金额") or Decimal("0.00")
    run.bill_refund_total = _amount(bill.summary, "退款总金额") or Decimal("0.00")
    run.save()
    if not run.is_clean:
        finance_notify(
            template="reconciliation_mismatch",
            key=f"reconciliation:{run.pk}",
            context={
                "bill_date": bill_date.isoformat(),
                "matched": str(run.matched),
                "missing_here": str(run.missing_here),
                "missing_remote": str(run.missing_remote),
                "mismatched": str(run.mismatched),
            },
        )
    return run


def _missing_remote(
    run: ReconciliationRun,
    start: datetime,
    end: datetime,
    seen_payments: set[int],
    seen_refunds: set[int],
) -> Iterable[ReconciliationRow]:
    payments = Payment.objects.filter(
        provider__in=WECHAT_PROVIDERS,
        status=Payment.Status.SUCCEEDED,
        succeeded_at__gte=start,
        succeeded_at__lt=end,
    ).exclude(pk__in=seen_payments)
    for payment in payments:
        yield ReconciliationRow(
            run=run,
            kind=Kind.PAYMENT,
            result=Result.MISSING_REMOTE,
            direction=Direction.SHORT,
            out_trade_no=payment.out_trade_no,
            transaction_id=payment.transaction_id,
            our_amount=payment.amount,
            payment=payment,
        )
    refunds = (
        Refund.objects.filter(
            payment__provider__in=WECHAT_PROVIDERS,
            status=Refund.Status.SUCCEEDED,
            succeeded_at__gte=start,
            succeeded_at__lt=end,
        )
        .exclude(pk__in=seen_refunds)
        .select_related("payment")
    )
    for refund in refunds:
        yield ReconciliationRow(
            run=run,
            kind=Kind.REFUND,
            result=Result.MISSING_REMOTE,
            direction=Direction.OVER,
            out_trade_no=refund.payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            our_amount=refund.amount,
            payment=refund.payment,
            refund=refund,
        )


def trade_bill_download(*, bill_date: date) -> str:
    """The day's bill through the SDK (at WECHATPAY_BASE_URL), its SHA1 checked."""
    client, _config = wechatpay_client()
    meta = provider_call(
        lambda: client.trade_bill(bill_date=bill_date.isoformat(), tar_type="GZIP")
    )
    url = str(meta.get("download_url", ""))
    try:
        code, content = client.download_bill(url)
    except Exception as exc:
        raise InvalidInput(_("账单下载失败：%s") % exc) from exc
    if code != 200 or not isinstance(content, bytes):
        raise InvalidInput(_("账单下载失败（HTTP %s）") % code)
    data = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
    expected = str(meta.get("hash_value", "")).lower()
    if meta.get("hash_type", "SHA1") == "SHA1" and hashlib.sha1(data).hexdigest() != expected:  # noqa: S324 (WeChat Pay's choice)
        raise InvalidInput(_("账单校验失败：SHA1 不符"))
    return data.decode("utf-8-sig")


def reconciliation_daily(*, today: date | None = None) -> ReconciliationRun | None:
    """Reconcile yesterday once: a day already reconciled from a download is skipped."""
    bill_date = (today or timezone.localdate()) - timedelta(days=1)
    if ReconciliationRun.objects.filter(
        bill_date=bill_date, source=ReconciliationRun.Source.DOWNLOAD
    ).exists():
        return None
    text = trade_bill_download(bill_date=bill_date)
    return reconciliation_run(
        bill_date=bill_date, text=text, source=ReconciliationRun.Source.DOWNLOAD
    )
