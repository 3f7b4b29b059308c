"""Paid memberships (会员) of a community: plans, each member's subscription and its history.

Not to be confused with communities.Membership, which is being in the WeChat group at all.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SKU, Product
from apps.communities.models import Community
from apps.core.models import MoneyField, TimestampedModel
from apps.orders.models import Order
from apps.rewards.models import Coupon, CouponTemplate


class Period(models.TextChoices):
    MONTH = "month", _("月卡")
    QUARTER = "quarter", _("季卡")
    YEAR = "year", _("年卡")
    LIFETIME = "lifetime", _("终身")


class MembershipPlan(TimestampedModel):
    """What a community sells: a period of membership at a price, sold through its catalog SKU."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="membership_plans",
        verbose_name=_("社群"),
    )
    name = models.CharField(_("名称"), max_length=64)
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    price = MoneyField(_("价格"))
    benefits = models.TextField(_("会员权益"), blank=True)
    trial_days = models.PositiveSmallIntegerField(
        _("免费试用天数"), default=0, help_text=_("0 表示不提供试用；每人每个方案只能试用一次")
    )
    monthly_coupon = models.ForeignKey(
        CouponTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("每月会员券"),
    )
    product = models.OneToOneField(
        Product, on_delete=models.PROTECT, related_name="membership_plan", verbose_name=_("商品")
    )
    sku = models.OneToOneField(
        SKU, on_delete=models.PROTECT, related_name="membership_plan", verbose_name=_("规格")
    )
    active = models.BooleanField(_("在售"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        verbose_name = _("会员方案")
        verbose_name_plural = _("会员方案")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="membershipplan_price_gt_0"),
        ]
        indexes = [models.Index(fields=["community", "active"])]

    def __str__(self) -> str:
        return self.name


class Subscription(TimestampedModel):
    """One member's membership of one plan. Buying again extends this row; each purchase, renewal
    or trial is a SubscriptionPeriod row beside it."""

    class Status(models.TextChoices):
        TRIAL = "trial", _("试用中")
        ACTIVE = "active", _("有效")
        GRACE = "grace", _("宽限期")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")
        REFUNDED = "refunded", _("已退款")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("会员"),
    )
    plan = models.ForeignKey(
        MembershipPlan,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("会员方案"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("到期时间"), null=True, blank=True, help_text=_("空为终身"))
    # The terms this member bought on: a later change of the plan's price does not touch them.
    price = MoneyField(_("成交价"), null=True, blank=True)
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最近订单"),
    )

    class Meta:
        verbose_name = _("会员订阅")
        verbose_name_plural = _("会员订阅")
        constraints = [
            models.UniqueConstraint(fields=["user", "plan"], name="subscription_once_per_plan"),
        ]
        indexes = [models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan}"


class SubscriptionPeriod(models.Model):
    """One span a member got: a trial, a purchase or a renewal, with the order that paid for it.
    Never deleted; a refund marks it revoked."""

    class Kind(models.TextChoices):
        TRIAL = "trial", _("试用")
        PURCHASE = "purchase", _("购买")
        RENEWAL = "renewal", _("续费")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="periods", verbose_name=_("订阅")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="membership_period",
        verbose_name=_("订单"),
    )
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    price = MoneyField(_("金额"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("退款撤销于"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会员期")
        verbose_name_plural = _("会员期")
        ordering = ["starts_at", "id"]
        constraints = [
            # A free trial once per member per plan (the subscription is one per member and plan).
            models.UniqueConstraint(
                fields=["subscription"], condition=Q(kind="trial"), name="trial_once_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(kind="trial") | Q(order__isnull=False), name="paid_period_has_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.kind} {self.starts_at:%Y-%m-%d}"


class MemberCoupon(models.Model):
    """The monthly member coupon a subscription got: one per subscription and month."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="coupons", verbose_name=_("订阅")
    )
    month = models.DateField(_("月份"))
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="+", verbose_name=_("优惠券")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会员月券")
        verbose_name_plural = _("会员月券")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "month"], name="member_coupon_once_a_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.month:%Y-%m}"
