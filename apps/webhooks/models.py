"""Outgoing webhooks (subscriptions, one delivery per event and subscription, one attempt row per
HTTP try) and the bot API's tokens.

A delivery is one row per (subscription, event) carrying its attempt count and the time of its
next try, and each HTTP try leaves a `WebhookAttempt` row: the event id a receiver dedupes on
stays the same across retries, the retry schedule lives in the database (a beat sweeper picks up
what is due, so a lost broker message or a restarted worker delays a retry, never drops it), and
the log shows every try with its status code, duration and response.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Merchant
from apps.communities.models import Community


class EventType(models.TextChoices):
    ORDER_PLACED = "order.placed", _("订单已下单")
    ORDER_PAID = "order.paid", _("订单已付款")
    ORDER_REFUNDED = "order.refunded", _("订单已退款")
    CHAIN_OPENED = "chain.opened", _("接龙已开团")
    CHAIN_CLOSED = "chain.closed", _("接龙已截单")
    MEMBER_JOINED = "member.joined", _("新成员入群")


# Sent by the 发送测试 button only; never subscribed to.
TEST_EVENT = "webhook.test"


class WebhookSubscription(models.Model):
    """Where to send which events of one community or one merchant (exactly one of the two)."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("社群"),
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("商家"),
    )
    url = models.URLField(_("接收地址"), max_length=500)
    description = models.CharField(_("说明"), max_length=100, blank=True)
    # Kept readable: every delivery is signed with it, and the owner copies it into the receiver.
    secret = models.CharField(_("签名密钥"), max_length=64)
    event_types = ArrayField(
        models.CharField(max_length=32, choices=EventType.choices), verbose_name=_("事件类型")
    )
    active = models.BooleanField(_("启用"), default=True)
    # Failed attempts in a row (a success resets it); at the limit the subscription turns off.
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("自动停用于"), null=True, blank=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        constraints = [
            models.CheckConstraint(
                condition=(Q(community__isnull=False) & Q(merchant__isnull=True))
                | (Q(community__isnull=True) & Q(merchant__isnull=False)),
                name="webhooksubscription_one_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["community"], condition=Q(active=True), name="webhook_sub_comm"),
            models.Index(fields=["merchant"], condition=Q(active=True), name="webhook_sub_merch"),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def owner_name(self) -> str:
        owner = self.community or self.merchant
        return str(owner)


class WebhookDelivery(models.Model):
    """One event for one subscription, tried until it succeeds or its 24 hours run out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SUCCEEDED = "succeeded", _("已送达")
        FAILED = "failed", _("已放弃")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    event_id = models.UUIDField(_("事件 ID"), default=uuid.uuid4)
    event_type = models.CharField(_("事件类型"), max_length=32)
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近状态码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        constraints = [
            # A domain event reaches a subscription once, however often its receiver runs.
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhookdelivery_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id} ({self.status})"

    @property
    def is_test(self) -> bool:
        return self.event_type == TEST_EVENT


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery: what the receiver answered and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("开始时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    succeeded = models.BooleanField(_("成功"))
    response_excerpt = models.CharField(_("响应摘录"), max_length=500, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhookattempt_number")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"


class BotToken(models.Model):
    """A third-party group bot's key to one community's API. Only its SHA-256 is stored."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="bot_tokens", verbose_name=_("社群")
    )
    name = models.CharField(_("名称"), max_length=64)
    # The first characters of the token, to tell tokens apart on the page.
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("机器人令牌")
        verbose_name_plural = _("机器人令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
