"""Payments of orders, the refunds paid back through them, and daily reconciliation runs."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField
from apps.orders.models import Order, OrderRefund


class Payment(models.Model):
    """One attempt to collect an order's money through one provider.

    `refunded_amount` counts every refund not failed (in flight or done), so a check constraint
    keeps the sum of refunds within the payment even if a service forgot its row lock.
    """

    class Provider(models.TextChoices):
        OFFLINE = "offline", _("线下付款（团长确认）")
        WECHAT_JSAPI = "wechat_jsapi", _("微信支付（微信内）")
        WECHAT_NATIVE = "wechat_native", _("微信支付（扫码）")
        SANDBOX = "sandbox", _("支付沙箱（演示）")

    class Status(models.TextChoices):
        CREATED = "created", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("支付失败")
        CLOSED = "closed", _("已关闭")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("订单")
    )
    provider = models.CharField(_("支付方式"), max_length=16, choices=Provider.choices)
    amount = MoneyField(_("金额"))
    refunded_amount = MoneyField(_("已退（含退款中）"), default=Decimal("0.00"))
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    transaction_id = models.CharField(_("微信支付订单号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CREATED
    )
    # Set when the provider's word disagrees with ours (amount, merchant, a cancelled order):
    # finance decides; nothing settles a flagged payment automatically.
    flag_reason = models.CharField(_("待财务核查"), max_length=200, blank=True)
    raw = models.JSONField(_("原始通知"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    succeeded_at = models.DateTimeField(_("支付时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payment_refunds_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "provider", "created_at"])]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.get_provider_display()} ¥{self.amount}"

    @property
    def is_online(self) -> bool:
        return self.provider != self.Provider.OFFLINE


class Refund(models.Model):
    """Money sent back through the payment's provider. The order's own refund (OrderRefund, lines
    and stock) is written when the provider says the money went back."""

    class Status(models.TextChoices):
        PROCESSING = "processing", _("退款中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("支付")
    )
    order_refund = models.OneToOneField(
        OrderRefund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider_refund",
        verbose_name=_("订单退款"),
    )
    amount = MoneyField(_("退款金额"))
    reason = models.CharField(_("原因"), max_length=200)
    # What the order refund will take back when the money has gone: {line id: quantity}.
    quantities = models.JSONField(_("退款数量"), default=dict)
    restock = models.BooleanField(_("退回库存"), default=False)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64, unique=True)
    refund_id = models.CharField(_("微信退款单号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROCESSING
    )
    failure = models.CharField(_("失败原因"), max_length=200, blank=True)
    raw = models.JSONField(_("原始应答"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    succeeded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("支付退款")
        verbose_name_plural = _("支付退款")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_refund_amount_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.out_refund_no} ¥{self.amount}"


class ReconciliationRun(models.Model):
    """One trade bill (交易账单) of one day compared with what we recorded."""

    class Source(models.TextChoices):
        DOWNLOAD = "download", _("账单接口下载")
        UPLOAD = "upload", _("手工导入")

    bill_date = models.DateField(_("账单日期"), db_index=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    matched = models.PositiveIntegerField(_("一致"), default=0)
    missing_here = models.PositiveIntegerField(_("本地缺失"), default=0)
    missing_remote = models.PositiveIntegerField(_("微信缺失"), default=0)
    mismatched = models.PositiveIntegerField(_("金额不符"), default=0)
    bill_total = MoneyField(_("账单应结金额"), default=Decimal("0.00"))
    bill_refund_total = MoneyField(_("账单退款金额"), default=Decimal("0.00"))
    created_at = models.DateTimeField(_("对账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对账")
        verbose_name_plural = _("对账")
        ordering = ["-bill_date", "-id"]

    def __str__(self) -> str:
        return f"{self.bill_date} ({self.get_source_display()})"

    @property
    def is_clean(self) -> bool:
        return not (self.missing_here or self.missing_remote or self.mismatched)


class ReconciliationRow(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("支付")
        REFUND = "refund", _("退款")

    class Result(models.TextChoices):
        MATCHED = "matched", _("一致")
        MISSING_HERE = "missing_here", _("本地缺失（微信有）")
        MISSING_REMOTE = "missing_remote", _("微信缺失（本地有）")
        AMOUNT_MISMATCH = "amount_mismatch", _("金额不符")

    class Direction(models.TextChoices):
        NONE = "", _("—")
        # 长款: the provider holds more than we recorded; 短款: less.
        OVER = "over", _("长款")
        SHORT = "short", _("短款")

    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.CASCADE, related_name="rows", verbose_name=_("对账")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)
    direction = models.CharField(
        _("长短款"), max_length=8, choices=Direction.choices, blank=True, default=""
    )
    out_trade_no = models.CharField(_("商户订单号"), max_length=64, blank=True)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64, blank=True)
    transaction_id = models.CharField(_("微信支付订单号"), max_length=64, blank=True)
    bill_amount = MoneyField(_("账单金额"), null=True, blank=True)
    our_amount = MoneyField(_("本地金额"), null=True, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raw = models.JSONField(_("账单行"), default=dict, blank=True)

    class Meta:
        verbose_name = _("对账明细")
        verbose_name_plural = _("对账明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.out_refund_no or self.out_trade_no}: {self.get_result_display()}"
