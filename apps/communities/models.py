from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimestampedModel


class Community(TimestampedModel):
    """A WeChat group (群) as this system knows it."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("家庭群")
        GROUP_BUY = "group_buy", _("小区团购群")
        WORK = "work", _("工作群")
        INTEREST = "interest", _("兴趣群")
        MOTHERS = "mothers", _("宝妈群")
        FITNESS = "fitness", _("健身群")
        OTHER = "other", _("其他")

    name = models.CharField(_("群名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.GROUP_BUY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_communities",
        verbose_name=_("群主"),
    )
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("社群")
        verbose_name_plural = _("社群")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("群主")
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("社群")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    nickname = models.CharField(_("群昵称"), max_length=64, blank=True)
    joined_at = models.DateTimeField(_("加入时间"), auto_now_add=True)
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        constraints = [
            # A person is in a group once; leaving keeps the row (left_at) for the history.
            models.UniqueConstraint(
                fields=["community", "user"], name="membership_once_per_community"
            ),
            models.UniqueConstraint(
                fields=["community"], condition=Q(role="owner"), name="membership_one_owner"
            ),
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self) -> str:
        return f"{self.community} · {self.user} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class LeaderApplication(TimestampedModel):
    """A member asks to become a group leader (团长申请); operations decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="leader_applications",
        verbose_name=_("申请人"),
    )
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=11)
    neighbourhood = models.CharField(_("小区"), max_length=100)
    pickup_address = models.CharField(_("自提地址"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    decision_reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("团长申请")
        verbose_name_plural = _("团长申请")
        constraints = [
            # One open application at a time per person.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status="pending"),
                name="leaderapplication_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.neighbourhood}）"
