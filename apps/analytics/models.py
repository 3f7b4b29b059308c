from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One thing a person did (viewed a chain, placed an order). Append-only; funnels read it.

    `distinct_id` names the person across sign-in: the user id when known, otherwise an anonymous
    browser id, so a funnel can follow someone who orders before having an account.
    """

    name = models.CharField(_("事件"), max_length=64)
    occurred_at = models.DateTimeField(_("发生时间"))
    distinct_id = models.CharField(_("访客标识"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
        db_constraint=False,  # the event stream never blocks a user delete or a hot insert
    )
    community_id = models.BigIntegerField(_("社群"), null=True, blank=True)
    subject_type = models.CharField(_("对象类型"), max_length=32, blank=True)
    subject_id = models.BigIntegerField(_("对象"), null=True, blank=True)
    properties = models.JSONField(_("属性"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [
            models.Index(fields=["name", "occurred_at"]),
            models.Index(fields=["subject_type", "subject_id", "occurred_at"]),
            models.Index(fields=["community_id", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.occurred_at:%Y-%m-%d %H:%M}"
