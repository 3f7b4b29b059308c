from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def MoneyField(verbose_name: "str | StrPromise", **kwargs: Any) -> models.DecimalField:
    """CNY with two places, as every amount in this project is stored."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class IdempotencyKey(models.Model):
    """One API request made with an `Idempotency-Key` header, and the response it got.

    The row is inserted in the same transaction as the request's effect, so the effect and its
    recorded response commit (or roll back) together; a duplicate waits on the unique index and
    then replays the response. Rows older than IDEMPOTENCY_KEY_TTL_HOURS are purged by beat.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("幂等键"), max_length=255)
    method = models.CharField(_("请求方法"), max_length=8)
    path = models.CharField(_("请求路径"), max_length=512)
    body_hash = models.CharField(_("请求体摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    response_body = models.JSONField(_("响应内容"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
