from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SKU, Merchant, Product
from apps.communities.models import Community
from apps.core.models import MoneyField, TimestampedModel
from apps.orders.models import Order, OrderRefund


class Distributor(TimestampedModel):
    """A person who shares referral links for one community or one merchant (分销员)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("申请中")
        APPROVED = "approved", _("已通过")
        SUSPENDED = "suspended", _("已暂停")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="distributors",
        verbose_name=_("用户"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distributors",
        verbose_name=_("社群"),
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distributors",
        verbose_name=_("商家"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        verbose_name=_("上级分销员"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    code = models.CharField(_("推荐码"), max_length=32, unique=True)
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分销员")
        verbose_name_plural = _("分销员")
        constraints = [
            models.CheckConstraint(
                condition=(Q(community__isnull=False) & Q(merchant__isnull=True))
                | (Q(community__isnull=True) & Q(merchant__isnull=False)),
                name="distributor_one_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "community"], name="distributor_once_per_community"
            ),
            models.UniqueConstraint(
                fields=["user", "merchant"], name="distributor_once_per_merchant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.code})"

    @property
    def scope_name(self) -> str:
        return str(self.community or self.merchant)


class CommissionRule(TimestampedModel):
    """How much commission a sale earns. The most specific active rule wins: SKU, then product,
    then merchant, then the default. Amounts are percent of what the buyer paid for the line, or
    a fixed amount per unit."""

    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("分销佣金")
        LEADER = "leader", _("团长佣金")

    class Scope(models.TextChoices):
        DEFAULT = "default", _("默认")
        MERCHANT = "merchant", _("商家")
        PRODUCT = "product", _("商品")
        SKU = "sku", _("规格")

    class Mode(models.TextChoices):
        PERCENT = "percent", _("百分比")
        FIXED = "fixed", _("每件固定金额")

    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(
        _("类型"), max_length=12, choices=Kind.choices, default=Kind.DISTRIBUTOR
    )
    scope = models.CharField(_("范围"), max_length=12, choices=Scope.choices)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("商家")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("商品")
    )
    sku = models.ForeignKey(
        SKU, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("规格")
    )
    level1_mode = models.CharField(
        _("一级方式"), max_length=8, choices=Mode.choices, default=Mode.PERCENT
    )
    level1_value = models.DecimalField(_("一级佣金"), max_digits=12, decimal_places=2)
    level2_mode = models.CharField(
        _("二级方式"), max_length=8, choices=Mode.choices, default=Mode.PERCENT
    )
    level2_value = models.DecimalField(_("二级佣金"), max_digits=12, decimal_places=2, default=0)
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    excluded_products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("不参与的商品")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("佣金规则")
        verbose_name_plural = _("佣金规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(level1_value__gte=0) & Q(level2_value__gte=0),
                name="rule_values_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(level1_mode="fixed") | Q(level1_value__lte=100))
                & (Q(level2_mode="fixed") | Q(level2_value__lte=100)),
                name="rule_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(scope="default", merchant=None, product=None, sku=None)
                | Q(scope="merchant", merchant__isnull=False, product=None, sku=None)
                | Q(scope="product", product__isnull=False, merchant=None, sku=None)
                | Q(scope="sku", sku__isnull=False, merchant=None, product=None),
                name="rule_scope_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_at(self, moment: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment < self.valid_until
        )


class PayoutBatch(TimestampedModel):
    """Finance settles every available balance at or above the minimum for a period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        REVIEWED = "reviewed", _("已审核")
        PAID = "paid", _("已打款")

    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    total_amount = MoneyField(_("合计"))
    reference = models.CharField(_("打款凭证号"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(_("打款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结算批次")
        verbose_name_plural = _("结算批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.period_start}–{self.period_end}"


class PayoutLine(models.Model):
    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("批次")
    )
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("收款人"),
    )
    amount = MoneyField(_("金额"))

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        constraints = [
            models.UniqueConstraint(fields=["batch", "beneficiary"], name="payout_line_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {self.amount}"


class CommissionEntry(models.Model):
    """One row of the append-only commission ledger. The database refuses UPDATE and DELETE
    (trigger in migration 0002); a balance is a sum of rows.

    An order's rows (accrual and reversals) are pending until the order completes, frozen for
    DISTRIBUTION_FROZEN_DAYS after that, then available — derived from Order.completed_at at read
    time, so no row ever changes state. Payouts and adjustments count as available at once."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("计提")
        REVERSAL = "reversal", _("冲回")
        PAYOUT = "payout", _("结算")
        ADJUSTMENT = "adjustment", _("调整")
        AD_SHARE = "ad_share", _("广告分成")

    class Level(models.TextChoices):
        LEVEL1 = "level1", _("一级")
        LEVEL2 = "level2", _("二级")
        LEADER = "leader", _("团长")
        NONE = "", _("无")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices, blank=True)
    beneficiary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="commission_entries",
        verbose_name=_("收款人"),
    )
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("分销员"),
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("商家"),
        help_text=_("商家只能看到本商家范围的分销员的佣金"),
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refund = models.ForeignKey(
        OrderRefund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = MoneyField(_("金额"), help_text=_("正数增加余额，负数减少"))
    base_amount = MoneyField(_("计佣金额"), default=0)
    rule_snapshot = models.JSONField(_("规则快照"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # What an ad-share row settles, e.g. "ads:<placement>:<day>:<n>" (apps.ads appends deltas,
    # numbered, so re-running its rollup never accrues twice).
    reference = models.CharField(_("来源"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("佣金流水")
        verbose_name_plural = _("佣金流水")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "beneficiary", "level"],
                condition=Q(kind="accrual"),
                name="commission_accrue_once",
            ),
            models.UniqueConstraint(
                fields=["refund", "beneficiary", "level"],
                condition=Q(kind="reversal"),
                name="commission_reverse_once",
            ),
            models.UniqueConstraint(
                fields=["batch", "beneficiary"],
                condition=Q(kind="payout"),
                name="commission_payout_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind="accrual") & Q(amount__gte=0) & Q(order__isnull=False))
                | (Q(kind="reversal") & Q(amount__lte=0) & Q(refund__isnull=False))
                | (Q(kind="payout") & Q(amount__lt=0) & Q(batch__isnull=False))
                | (Q(kind="adjustment") & ~Q(reason=""))
                | (Q(kind="ad_share") & ~Q(reference="")),
                name="commission_entry_shape",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=Q(kind="ad_share"), name="commission_ad_share_once"
            ),
        ]
        indexes = [models.Index(fields=["beneficiary", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
