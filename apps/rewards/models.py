"""Growth tools of a community: daily check-ins, the points ledger, coupons and the welcome gift."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community
from apps.core.models import MoneyField
from apps.orders.models import Order


class CheckIn(models.Model):
    """One member's check-in (打卡) in one community on one day (Asia/Shanghai)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("社群")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="check_ins",
        verbose_name=_("成员"),
    )
    day = models.DateField(_("日期"))
    streak = models.PositiveIntegerField(_("连续天数"))
    points = models.PositiveIntegerField(_("获得积分"))
    created_at = models.DateTimeField(_("打卡时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("打卡")
        verbose_name_plural = _("打卡")
        constraints = [
            models.UniqueConstraint(fields=["community", "user", "day"], name="checkin_once_a_day"),
            models.CheckConstraint(condition=Q(streak__gte=1), name="checkin_streak_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.community} {self.day}"


class PointsEntry(models.Model):
    """A row of the points ledger. Never edited or deleted: a balance is the sum of `points`,
    positive when earned, negative when spent or expired."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("获得")
        SPENT = "spent", _("使用")
        EXPIRED = "expired", _("过期")

    class Reason(models.TextChoices):
        CHECK_IN = "check_in", _("打卡")
        WELCOME_GIFT = "welcome_gift", _("见面礼")
        COUPON_EXCHANGE = "coupon_exchange", _("兑换优惠券")
        EXPIRY = "expiry", _("积分过期")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="points_entries", verbose_name=_("社群")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("成员"),
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    points = models.IntegerField(_("积分"))
    # What the entry is for (a check-in, a gift, an expiry run): the same key is never booked twice.
    source_key = models.CharField(_("来源"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="earned") & Q(points__gt=0))
                | (Q(kind__in=["spent", "expired"]) & Q(points__lt=0)),
                name="pointsentry_sign_matches_kind",
            )
        ]
        indexes = [models.Index(fields=["community", "user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.points:+d} ({self.get_reason_display()})"


class CouponTemplate(models.Model):
    """A kind of coupon a community hands out: so much off, from a minimum spend, in a window."""

    class DiscountKind(models.TextChoices):
        FIXED = "fixed", _("满减")
        PERCENT = "percent", _("折扣")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="coupon_templates",
        verbose_name=_("社群"),
    )
    name = models.CharField(_("名称"), max_length=64)
    discount_kind = models.CharField(_("优惠方式"), max_length=8, choices=DiscountKind.choices)
    amount_off = MoneyField(_("减免金额"), null=True, blank=True)
    percent_off = models.PositiveSmallIntegerField(_("折扣百分比"), null=True, blank=True)
    min_spend = MoneyField(_("最低消费"), default=0)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("截止时间"))
    # A coupon issued from the template may run out sooner: this many days after it is issued.
    valid_days = models.PositiveSmallIntegerField(_("领取后有效天数"), null=True, blank=True)
    total_quantity = models.PositiveIntegerField(_("发放总量"))
    issued_count = models.PositiveIntegerField(_("已发放"), default=0)
    # Members may exchange this many points for one (积分兑换); empty, only the leader issues it.
    points_price = models.PositiveIntegerField(_("兑换所需积分"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券模板")
        verbose_name_plural = _("优惠券模板")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(discount_kind="fixed", amount_off__gt=0, percent_off__isnull=True)
                    | Q(
                        discount_kind="percent",
                        percent_off__gte=1,
                        percent_off__lte=99,
                        amount_off__isnull=True,
                    )
                ),
                name="coupontemplate_discount_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(issued_count__lte=F("total_quantity")),
                name="coupontemplate_issued_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="coupontemplate_valid_window"
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="coupontemplate_min_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> int:
        return self.total_quantity - self.issued_count

    @property
    def terms(self) -> str:
        """满¥50减¥10, 立减¥10, 满¥50减10%, 减10%: what the member reads on the coupon."""
        if self.discount_kind == self.DiscountKind.FIXED:
            off = gettext("减¥%(amount)s") % {"amount": self.amount_off}
        else:
            off = gettext("减%(percent)s%%") % {"percent": self.percent_off}
        if self.min_spend and self.min_spend > 0:
            return gettext("满¥%(min)s%(off)s") % {"min": self.min_spend, "off": off}
        return off if self.discount_kind == self.DiscountKind.PERCENT else gettext("立") + off


class Coupon(models.Model):
    """One coupon in one member's hands: used once, on one order."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("可使用")
        USED = "used", _("已使用")
        EXPIRED = "expired", _("已过期")

    template = models.ForeignKey(
        CouponTemplate, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("模板")
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("社群")
    )
    code = models.CharField(_("券码"), max_length=16, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coupons",
        verbose_name=_("持有人"),
    )
    # The phone it was issued to: a member ordering without logging in is recognised by it.
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.AVAILABLE
    )
    valid_from = models.DateTimeField(_("生效时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("使用订单"),
    )
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发放人"),
    )
    issued_at = models.DateTimeField(_("发放时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="used", order__isnull=False, used_at__isnull=False)
                | (~Q(status="used") & Q(order__isnull=True)),
                name="coupon_used_has_order",
            )
        ]
        indexes = [models.Index(fields=["owner", "community", "status"])]

    def __str__(self) -> str:
        return f"{self.template} · {self.code}"


class WelcomeGift(models.Model):
    """What a community gives each new member once (见面礼): a coupon, points, or both."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="welcome_gift", verbose_name=_("社群")
    )
    coupon_template = models.ForeignKey(
        CouponTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("优惠券"),
    )
    points = models.PositiveIntegerField(_("积分"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("见面礼")
        verbose_name_plural = _("见面礼")

    def __str__(self) -> str:
        return f"{self.community}"

    @property
    def is_set(self) -> bool:
        return self.points > 0 or self.coupon_template_id is not None


class WelcomeGiftGrant(models.Model):
    """The record that a member got the welcome gift; its unique key makes it once per person."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("社群")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员")
    )
    points = models.PositiveIntegerField(_("积分"), default=0)
    coupon = models.ForeignKey(
        Coupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("优惠券"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("见面礼发放")
        verbose_name_plural = _("见面礼发放")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"], name="welcomegift_once_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.community}"
