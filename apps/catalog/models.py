from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimestampedModel


class Merchant(TimestampedModel):
    """A business whose goods leaders sell. Its staff manage its products in the admin."""

    name = models.CharField(_("商家名称"), max_length=64, unique=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="merchants", verbose_name=_("员工")
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_merchants",
        verbose_name=_("商家管理员"),
        help_text=_("可以为本商家添加和移除员工账号"),
    )

    class Meta:
        verbose_name = _("商家")
        verbose_name_plural = _("商家")

    def __str__(self) -> str:
        return self.name


class Product(TimestampedModel):
    class Kind(models.TextChoices):
        GOODS = "goods", _("实物商品")
        MEMBERSHIP = "membership", _("会员")
        COURSE = "course", _("课程")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="products", verbose_name=_("商家")
    )
    title = models.CharField(_("商品名称"), max_length=100)
    description = models.TextField(_("描述"), blank=True)
    image = models.ImageField(_("图片"), upload_to="products/", blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.GOODS)
    active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        indexes = [models.Index(fields=["merchant", "active"])]

    def __str__(self) -> str:
        return self.title


class SKU(TimestampedModel):
    """One buyable variant of a product (5斤装, 10斤装) with its own price and stock."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="skus", verbose_name=_("商品")
    )
    spec = models.CharField(_("规格"), max_length=64)
    price = models.DecimalField(
        _("价格"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    stock = models.PositiveIntegerField(_("库存"), default=0)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    active = models.BooleanField(_("可售"), default=True)

    class Meta:
        verbose_name = _("规格")
        verbose_name_plural = _("规格")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.spec}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            # Stock changes only through the guarded UPDATE in catalog.services. A full save (the
            # admin's SKU form and inline) would write back the stock this instance read when it
            # was loaded, undoing every order placed in between.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "stock"
            ]
        super().save(*args, **kwargs)


class StockMovement(models.Model):
    """The trace of every stock change: who, when, how much and why. Never edited."""

    class Reason(models.TextChoices):
        INITIAL = "initial", _("初始库存")
        RESTOCK = "restock", _("补货")
        CORRECTION = "correction", _("盘点修正")
        ORDER = "order", _("下单扣减")
        RELEASE = "release", _("取消释放")
        REFUND_RESTOCK = "refund_restock", _("退款回库")

    sku = models.ForeignKey(
        SKU, on_delete=models.PROTECT, related_name="movements", verbose_name=_("规格")
    )
    delta = models.IntegerField(_("变动数量"))
    stock_after = models.PositiveIntegerField(_("变动后库存"))
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    reference = models.CharField(_("关联单号"), max_length=32, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sku} {self.delta:+d} ({self.get_reason_display()})"


class SupplyAgreement(TimestampedModel):
    """A leader sells a merchant's goods once the merchant has approved them (供货合作)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("申请中")
        APPROVED = "approved", _("已合作")
        REJECTED = "rejected", _("已拒绝")
        SUSPENDED = "suspended", _("已暂停")

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        related_name="supply_agreements",
        verbose_name=_("商家"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supply_agreements",
        verbose_name=_("团长"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    commission_rate = models.DecimalField(
        _("团长佣金比例（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("团长在本商家商品上的佣金，占成交额的百分比"),
    )
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    decision_reason = models.CharField(_("处理意见"), max_length=200, blank=True)
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
        verbose_name = _("供货合作")
        verbose_name_plural = _("供货合作")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "leader"], name="supply_once_per_pair"),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=100),
                name="supply_commission_rate_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.leader}"
