from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.phone import validate_phone


class User(AbstractUser):
    """A person: a member, a leader, merchant staff, finance or operations.

    Staff sign in with a username and password; members are known by their phone number, and inside
    WeChat by their openid.
    """

    phone = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[validate_phone]
    )
    display_name = models.CharField(_("昵称"), max_length=64, blank=True)
    wechat_openid = models.CharField(
        _("微信 openid"), max_length=64, unique=True, null=True, blank=True
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def shown_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class PhoneCode(models.Model):
    """A one-time sign-in code (验证码) sent to a phone. Only its hash is kept."""

    phone = models.CharField(_("手机号"), max_length=11)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(_("请求 IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%H:%M}"
