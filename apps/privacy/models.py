from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """Someone on the staff opened a page in the admin that shows a person's phone or address.

    Written by the admin pages themselves (PersonalDataAccessLogged), never edited; superusers
    read it in the admin to answer "who looked at my data" (PIPL)."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查看人"),
    )
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    path = models.CharField(_("页面"), max_length=500)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.object_type}:{self.object_id}"


class PrivacyRequest(models.Model):
    """A member's export or deletion of their personal data, kept as proof it was done."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("导出")
        ERASE = "erase", _("注销")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="privacy_requests",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息请求")
        verbose_name_plural = _("个人信息请求")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
