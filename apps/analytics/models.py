from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext_lazy as _

# The ads app's events (apps/ads records them through track()); named here for the index only.
AD_EVENTS = ("ad_impression", "ad_click", "ad_order_placed", "ad_order_paid")


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
            # The ad funnel filters ad events by campaign (a property): without this index a
            # campaign's funnel reads every ad event of the range as the table grows.
            models.Index(
                KeyTextTransform("campaign_id", "properties"),
                "occurred_at",
                name="event_ad_campaign_idx",
                condition=Q(name__in=AD_EVENTS),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class PersonAlias(models.Model):
    """One person seen under two ids: a browser's visitor id (`v:…`, or a user id) and the
    `phone:…` id their orders carry. Funnels read every event's id through this table, so a view
    before the order and the order itself count as the same person.

    Recorded when an order is placed from a browser (the page knows both ids). The first mapping
    wins: a shared phone or family browser keeps the person it was first seen as, rather than
    moving past events between people.
    """

    distinct_id = models.CharField(_("访客标识"), max_length=64, primary_key=True)
    person_id = models.CharField(_("人员标识"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("身份关联")
        verbose_name_plural = _("身份关联")

    def __str__(self) -> str:
        return f"{self.distinct_id} → {self.person_id}"


class FunnelSnapshot(models.Model):
    """One funnel for one scope on one local day, computed by the nightly task.

    Holds exactly what the on-request runner returns for the same day, so a dashboard's daily
    series can read it instead of recomputing past days.
    """

    funnel = models.CharField(_("漏斗"), max_length=16)
    scope = models.CharField(_("范围"), max_length=16)
    scope_id = models.BigIntegerField(_("范围对象"))
    day = models.DateField(_("日期"))
    counts = models.JSONField(_("各步人数"), default=list)
    median_seconds = models.JSONField(_("中位转化时长"), default=list)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("漏斗快照")
        verbose_name_plural = _("漏斗快照")
        constraints = [
            models.UniqueConstraint(
                fields=["funnel", "scope", "scope_id", "day"], name="funnelsnapshot_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.funnel}:{self.scope}:{self.scope_id} {self.day}"
