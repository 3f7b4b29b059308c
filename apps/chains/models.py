from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SKU
from apps.communities.models import Community
from apps.core.models import MoneyField, TimestampedModel
from apps.orders.models import Order


class PickupPoint(TimestampedModel):
    """A place members collect their goods (自提点), usually a leader's shop or home."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="pickup_points", verbose_name=_("社群")
    )
    name = models.CharField(_("名称"), max_length=64)
    address = models.CharField(_("地址"), max_length=200)
    contact = models.CharField(_("联系人电话"), max_length=32, blank=True)
    opening_hours = models.CharField(_("营业时间"), max_length=64, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("自提点")
        verbose_name_plural = _("自提点")

    def __str__(self) -> str:
        return self.name


class Chain(TimestampedModel):
    """A group-buy order chain (群接龙)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已截单")
        CANCELLED = "cancelled", _("已取消")

    class Fulfilment(models.TextChoices):
        PICKUP = "pickup", _("自提")
        DELIVERY = "delivery", _("送货上门")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="chains", verbose_name=_("社群")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_chains",
        verbose_name=_("团长"),
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("开团时间"), default=timezone.now)
    closes_at = models.DateTimeField(_("截单时间"))
    fulfilment = models.CharField(
        _("交付方式"), max_length=12, choices=Fulfilment.choices, default=Fulfilment.PICKUP
    )
    min_group_size = models.PositiveIntegerField(
        _("成团人数"), null=True, blank=True, help_text=_("截单时已付款人数不足则自动退款")
    )
    slug = models.SlugField(_("链接标识"), max_length=16, unique=True)
    pickup_points = models.ManyToManyField(
        PickupPoint, blank=True, related_name="chains", verbose_name=_("自提点")
    )
    entry_count = models.PositiveIntegerField(_("接龙人数"), default=0, editable=False)
    closed_at = models.DateTimeField(_("截单于"), null=True, blank=True)
    threshold_settled_at = models.DateTimeField(_("成团结算于"), null=True, blank=True)
    members_only = models.BooleanField(
        _("仅限会员"), default=False, help_text=_("只有本群的付费会员可以下单")
    )

    class Meta:
        verbose_name = _("接龙")
        verbose_name_plural = _("接龙")
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self) -> str:
        return self.title

    def is_accepting_orders(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= moment < self.closes_at


class ChainItem(models.Model):
    chain = models.ForeignKey(
        Chain, on_delete=models.CASCADE, related_name="items", verbose_name=_("接龙")
    )
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("规格"))
    title = models.CharField(_("展示名称"), max_length=100)
    group_price = MoneyField(_("团购价"), validators=[MinValueValidator(Decimal("0.01"))])
    # What a paying member of the chain's community pays instead (会员价); empty: no member price.
    member_price = MoneyField(
        _("会员价"), null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    stock_cap = models.PositiveIntegerField(_("本团限量"))
    remaining = models.PositiveIntegerField(_("剩余数量"))
    per_person_limit = models.PositiveIntegerField(_("每人限购"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("接龙商品")
        verbose_name_plural = _("接龙商品")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="chainitem_remaining_gte_0"),
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("stock_cap")),
                name="chainitem_remaining_within_cap",
            ),
            models.CheckConstraint(condition=Q(group_price__gt=0), name="chainitem_price_gt_0"),
            models.CheckConstraint(
                condition=Q(member_price__isnull=True) | Q(member_price__gt=0),
                name="chainitem_member_price_gt_0",
            ),
            models.UniqueConstraint(fields=["chain", "sku"], name="chainitem_sku_once"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def sold(self) -> int:
        return self.stock_cap - self.remaining


class ChainEntry(models.Model):
    """An order's place in the chain: its 接龙序号 and where it is picked up."""

    chain = models.ForeignKey(
        Chain, on_delete=models.PROTECT, related_name="entries", verbose_name=_("接龙")
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="chain_entry", verbose_name=_("订单")
    )
    sequence = models.PositiveIntegerField(_("接龙序号"))
    pickup_point = models.ForeignKey(
        PickupPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("自提点"),
    )
    pickup_code = models.CharField(_("核销码"), max_length=12)
    created_at = models.DateTimeField(_("接龙时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接龙记录")
        verbose_name_plural = _("接龙记录")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "sequence"], name="chainentry_sequence_unique"
            ),
            models.UniqueConstraint(fields=["chain", "pickup_code"], name="chainentry_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.sequence}"
