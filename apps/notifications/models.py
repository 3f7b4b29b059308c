from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """The outbox: one row per message to send, sent by a Celery task after the commit."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信订阅消息")

    class Kind(models.TextChoices):
        TRANSACTIONAL = "transactional", _("交易通知")
        MARKETING = "marketing", _("营销消息")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SUPPRESSED = "suppressed", _("已拦截")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    # Where to send when it is not the recipient's own address, or when there is no account yet
    # (a sign-in code goes to a phone number before its owner has signed up).
    address = models.CharField(_("地址"), max_length=254, blank=True)
    channel = models.CharField(
        _("渠道"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    template = models.CharField(_("模板"), max_length=64)
    context = models.JSONField(_("内容参数"), default=dict, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    # The group a message is about: a member who muted it (免打扰) gets no marketing from it.
    community_id = models.BigIntegerField(_("社群"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("计划时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When a worker took the row; the sweeper requeues rows a crashed worker left "sending".
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(recipient=None, address=""), name="notification_has_addressee"
            ),
            models.CheckConstraint(
                condition=~models.Q(recipient=None, kind="marketing"),
                name="notification_marketing_has_recipient",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                condition=models.Q(status="pending"),
                name="notification_due_idx",
            ),
            models.Index(fields=["recipient", "kind", "sent_at"]),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="sending"),
                name="notification_sending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient_id or self.address} ({self.status})"


class NotificationPreference(models.Model):
    """A member's channels and marketing consent. No row means the defaults: every channel on,
    marketing allowed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
        verbose_name=_("用户"),
    )
    email_enabled = models.BooleanField(_("邮件"), default=True)
    sms_enabled = models.BooleanField(_("短信"), default=True)
    wechat_enabled = models.BooleanField(_("微信订阅消息"), default=True)
    marketing_opted_out_at = models.DateTimeField(_("退订营销消息于"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user_id)

    def channel_enabled(self, channel: str) -> bool:
        return {
            Notification.Channel.EMAIL: self.email_enabled,
            Notification.Channel.SMS: self.sms_enabled,
            Notification.Channel.WECHAT: self.wechat_enabled,
        }[Notification.Channel(channel)]


class CommunityMute(models.Model):
    """免打扰: no marketing about this group (“closing soon” and the like); messages about the
    member's own orders, memberships and courses still go."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_mutes",
        verbose_name=_("用户"),
    )
    # A plain id: notifications sits beside communities in the dependency order, not above it.
    community_id = models.BigIntegerField(_("社群"))
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("社群免打扰")
        verbose_name_plural = _("社群免打扰")
        constraints = [
            models.UniqueConstraint(fields=["user", "community_id"], name="communitymute_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.community_id}"
