"""Brand ads in groups (广告投放): who pays, what runs where, and the hourly rollups of delivery.

Impressions, clicks and conversions themselves are rows of the analytics event stream
(apps.analytics Event: "ad_impression", "ad_click", "ad_order_placed", "ad_order_paid" with
subject = the Placement); this app keeps only the campaign set-up and the rollups made from them.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community
from apps.core.models import MoneyField, TimestampedModel


class Advertiser(TimestampedModel):
    """A brand that buys placements (e.g. a milk-powder maker); its users see its reports."""

    name = models.CharField(_("广告主"), max_length=64, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="advertisers", verbose_name=_("账号")
    )
    contact_email = models.EmailField(_("联系邮箱"), blank=True)

    class Meta:
        verbose_name = _("广告主")
        verbose_name_plural = _("广告主")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(TimestampedModel):
    class Pricing(models.TextChoices):
        CPM = "cpm", _("按千次展示 (CPM)")
        CPC = "cpc", _("按点击 (CPC)")

    class Pacing(models.TextChoices):
        EVEN = "even", _("匀速投放")
        ASAP = "asap", _("尽快投放")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("投放中")
        PAUSED = "paused", _("已暂停")
        ENDED = "ended", _("已结束")

    advertiser = models.ForeignKey(
        Advertiser, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("广告主")
    )
    name = models.CharField(_("计划名称"), max_length=64)
    pricing = models.CharField(
        _("计费方式"), max_length=4, choices=Pricing.choices, default=Pricing.CPM
    )
    price = MoneyField(_("单价"), help_text=_("CPM：每千次展示的价格；CPC：每次点击的价格"))
    total_budget = MoneyField(_("总预算"))
    daily_budget = MoneyField(_("日预算"))
    starts_at = models.DateTimeField(_("开始投放"))
    ends_at = models.DateTimeField(_("结束投放"))
    target_kinds = ArrayField(
        models.CharField(max_length=16, choices=Community.Kind.choices),
        blank=True,
        default=list,
        verbose_name=_("定向群类型"),
        help_text=_("留空表示不限群类型"),
    )
    min_members = models.PositiveIntegerField(_("最少群成员数"), default=0)
    max_members = models.PositiveIntegerField(
        _("最多群成员数"), null=True, blank=True, help_text=_("留空表示不限")
    )
    frequency_cap = models.PositiveSmallIntegerField(
        _("每人每天最多展示"), default=3, validators=[MinValueValidator(1)]
    )
    pacing = models.CharField(
        _("投放节奏"), max_length=4, choices=Pacing.choices, default=Pacing.EVEN
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Spend as of the last rollup, kept here so serving decides on budgets without a query of its
    # own. Five places: a CPM impression costs a thousandth of a 2-place price.
    spent_total = models.DecimalField(
        _("累计消耗"), max_digits=16, decimal_places=5, default=Decimal(0), editable=False
    )
    spent_today = models.DecimalField(
        _("当日消耗"), max_digits=16, decimal_places=5, default=Decimal(0), editable=False
    )
    spent_on = models.DateField(_("当日"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("广告计划")
        verbose_name_plural = _("广告计划")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(daily_budget__gt=0) & Q(total_budget__gt=0),
                name="campaign_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(daily_budget__lte=models.F("total_budget")),
                name="campaign_daily_within_total",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_flight_order"
            ),
            models.CheckConstraint(
                condition=Q(max_members__isnull=True) | Q(max_members__gte=models.F("min_members")),
                name="campaign_size_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advertiser} · {self.name}"


def is_safe_landing_url(value: str) -> bool:
    """An http(s) URL, or a path on this site ("/c/…", never "//host" or "/\\host")."""
    if value.startswith("/"):
        return not value.startswith(("//", "/\\")) and all(ord(c) > 32 for c in value)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def validate_landing_url(value: str) -> None:
    # Only web pages: a javascript: or data: landing URL would turn the click redirect into an
    # attack, and "//host" would leave the site while looking like a path.
    if not is_safe_landing_url(value):
        raise ValidationError(_("落地页须是 http(s) 网址或本站路径"), code="invalid")


class Creative(TimestampedModel):
    class Review(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="creatives", verbose_name=_("广告计划")
    )
    title = models.CharField(_("标题"), max_length=64)
    image = models.ImageField(_("图片"), upload_to="ads/", blank=True)
    landing_url = models.CharField(
        _("落地页"),
        max_length=500,
        validators=[validate_landing_url],
        help_text=_("品牌的 http(s) 网址，或本站路径（如接龙页 /c/xxxx/）"),
    )
    review = models.CharField(
        _("审核"), max_length=8, choices=Review.choices, default=Review.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("广告素材")
        verbose_name_plural = _("广告素材")

    def __str__(self) -> str:
        return self.title


class Placement(TimestampedModel):
    """A campaign offered in one community and slot; runs once the group's leader accepts."""

    class Slot(models.TextChoices):
        CHAIN_BANNER = "chain_banner", _("接龙页横幅")
        COMMUNITY_PAGE = "community_page", _("社群页")
        MESSAGE = "message", _("团长群消息")

    class Status(models.TextChoices):
        OFFERED = "offered", _("待团长确认")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已拒绝")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="placements", verbose_name=_("广告计划")
    )
    creative = models.ForeignKey(
        Creative, on_delete=models.PROTECT, related_name="placements", verbose_name=_("素材")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="ad_placements", verbose_name=_("社群")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ad_placements",
        verbose_name=_("团长"),
    )
    slot = models.CharField(_("广告位"), max_length=16, choices=Slot.choices)
    revenue_share = models.DecimalField(
        _("团长分成比例（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.OFFERED
    )
    decided_at = models.DateTimeField(_("团长处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("广告位投放")
        verbose_name_plural = _("广告位投放")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "community", "slot"], name="placement_once_per_slot"
            ),
            models.CheckConstraint(
                condition=Q(revenue_share__gte=0) & Q(revenue_share__lte=100),
                name="placement_share_percent",
            ),
        ]
        indexes = [models.Index(fields=["community", "slot", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} @ {self.community} ({self.get_slot_display()})"


class HourlyStat(models.Model):
    """Delivery of one placement in one hour, recomputed from the event stream by the rollup.

    Counts are billable ones (repeat views inside the dedupe window and clicks beyond a viewer's
    impressions are recorded but not counted). `reach` is the number of distinct viewers in the
    hour; a day's reach is in DailyStat, never a sum of these.
    """

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="hourly_stats", verbose_name=_("投放")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="hourly_stats", verbose_name=_("广告计划")
    )
    community_id = models.BigIntegerField(_("社群"))
    hour = models.DateTimeField(_("小时"))
    impressions = models.PositiveIntegerField(_("展示"), default=0)
    reach = models.PositiveIntegerField(_("触达人数"), default=0)
    clicks = models.PositiveIntegerField(_("点击"), default=0)
    orders = models.PositiveIntegerField(_("下单"), default=0)
    conversions = models.PositiveIntegerField(_("支付转化"), default=0)
    spend = models.DecimalField(_("消耗"), max_digits=16, decimal_places=5, default=Decimal(0))

    class Meta:
        verbose_name = _("小时投放数据")
        verbose_name_plural = _("小时投放数据")
        constraints = [
            models.UniqueConstraint(fields=["placement", "hour"], name="hourlystat_once"),
        ]
        indexes = [models.Index(fields=["campaign", "hour"])]

    def __str__(self) -> str:
        return f"{self.placement_id} @ {self.hour:%Y-%m-%d %H}:00"


class DailyStat(models.Model):
    """A campaign's local day: per community, and for all communities together in the row whose
    community_id is 0. Sums come from HourlyStat; `reach` counts distinct viewers of the day (a
    member of two groups counts once in the all-communities row), never a sum of hours. Reports
    read these rows: 30 days are a few hundred rows, not thousands of hourly ones."""

    ALL_COMMUNITIES = 0

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="daily_stats", verbose_name=_("广告计划")
    )
    community_id = models.BigIntegerField(_("社群"))
    day = models.DateField(_("日期"))
    impressions = models.PositiveIntegerField(_("展示"), default=0)
    reach = models.PositiveIntegerField(_("触达人数"), default=0)
    clicks = models.PositiveIntegerField(_("点击"), default=0)
    orders = models.PositiveIntegerField(_("下单"), default=0)
    conversions = models.PositiveIntegerField(_("支付转化"), default=0)
    spend = models.DecimalField(_("消耗"), max_digits=16, decimal_places=5, default=Decimal(0))

    class Meta:
        verbose_name = _("每日投放数据")
        verbose_name_plural = _("每日投放数据")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "community_id", "day"], name="dailystat_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day}: {self.impressions}"


class RollupState(models.Model):
    """The rollup's bookmark: the highest event id seen and when the last run looked."""

    name = models.CharField(max_length=32, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"
