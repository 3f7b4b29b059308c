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
