from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SKU
from apps.communities.models import Community
from apps.core.models import MoneyField


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待付款")
        PAID = "paid", _("已付款")
        READY_FOR_PICKUP = "ready_for_pickup", _("待自提")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
        REFUNDED = "refunded", _("已退款")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("买家"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="orders", verbose_name=_("社群")
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    subtotal_amount = MoneyField(_("商品金额"), default=Decimal("0.00"))
    discount_amount = MoneyField(_("优惠金额"), default=Decimal("0.00"))
    coupon_code = models.CharField(_("优惠券"), max_length=32, blank=True)
    total_amount = MoneyField(_("订单金额"))
    paid_amount = MoneyField(_("已付金额"), default=Decimal("0.00"))
    refunded_amount = MoneyField(_("已退金额"), default=Decimal("0.00"))
    payment_method = models.CharField(_("付款方式"), max_length=16, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32)
    contact_phone = models.CharField(_("联系电话"), max_length=11, db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    referral_code = models.CharField(_("推荐码"), max_length=32, blank=True)
    ad_click_token = models.CharField(_("广告点击标识"), max_length=200, blank=True)
    submission_token = models.CharField(
        _("提交令牌"), max_length=64, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("下单时间"), default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0)
                & Q(total_amount=F("subtotal_amount") - F("discount_amount")),
                name="order_total_is_subtotal_less_discount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("paid_amount")),
                name="order_refund_within_paid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """Human-readable and unique by construction: the order date and its id."""
        return f"{timezone.localtime(self.created_at):%Y%m%d}{self.pk:06d}"

    @property
    def refundable_amount(self) -> object:
        return self.paid_amount - self.refunded_amount


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单")
    )
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("规格"))
    title = models.CharField(_("商品"), max_length=200)
    unit_price = MoneyField(_("单价"))
    quantity = models.PositiveIntegerField(_("数量"))
    refunded_quantity = models.PositiveIntegerField(_("已退数量"), default=0)
    line_total = MoneyField(_("小计"))

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=F("quantity")),
                name="orderline_refund_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}×{self.quantity}"

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.refunded_quantity


class OrderRefund(models.Model):
    """A refund the leader paid back by hand (cash / transfer). Never edited."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("订单")
    )
    amount = MoneyField(_("退款金额"))
    reason = models.CharField(_("原因"), max_length=200)
    restocked = models.BooleanField(_("退回库存"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"{self.order} -{self.amount}"


class OrderRefundLine(models.Model):
    refund = models.ForeignKey(OrderRefund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    amount = MoneyField(_("金额"))

    def __str__(self) -> str:
        return f"{self.line_id}×{self.quantity}"


class OrderLog(models.Model):
    """Who moved an order from one status to another, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="logs")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"
