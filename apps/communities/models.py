from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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
    requires_approval = models.BooleanField(
        _("入群需审核"), default=False, help_text=_("通过邀请加入时需要群主或管理员同意")
    )
    anti_harassment = models.BooleanField(
        _("防骚扰"), default=False, help_text=_("开启后本群自己的敏感词生效（平台敏感词始终生效）")
    )
    ends_at = models.DateTimeField(
        _("结束时间"), null=True, blank=True, help_text=_("临时群：到时自动解散")
    )
    dissolved_at = models.DateTimeField(_("解散于"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("成员信息匿名化于"), null=True, blank=True)

    class Meta:
        verbose_name = _("社群")
        verbose_name_plural = _("社群")
        indexes = [
            models.Index(
                fields=["ends_at"], condition=Q(ends_at__isnull=False), name="community_temporary"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_at is not None

    def stage(self, now: datetime | None = None) -> str:
        """The lifecycle stage: cold start for 3 days, growth to 4 weeks, mature after."""
        age = (now or timezone.now()) - self.created_at
        if age < COLD_START:
            return Stage.COLD_START
        if age < GROWTH_UNTIL:
            return Stage.GROWTH
        return Stage.MATURE


class Stage(models.TextChoices):
    COLD_START = "cold_start", _("冷启动期")
    GROWTH = "growth", _("成长期")
    MATURE = "mature", _("成熟期")


COLD_START = timedelta(days=3)
GROWTH_UNTIL = timedelta(weeks=4)
MAX_ADMINS = 5


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
    # The start of the current stay: a member who left and comes back starts a new one.
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    invite = models.ForeignKey(
        "Invite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("邀请"),
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移出人"),
    )

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
        indexes = [
            models.Index(fields=["user", "left_at"]),
            # The daily join limit counts a user's recent joins through invites.
            models.Index(fields=["user", "joined_at"], name="membership_user_joined"),
        ]

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


class Invite(TimestampedModel):
    """An invite link and code (邀请链接/邀请码) with an expiry and an optional use limit."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="invites", verbose_name=_("社群")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("邀请人"),
    )
    code = models.CharField(_("邀请码"), max_length=16, unique=True)
    expires_at = models.DateTimeField(_("过期时间"))
    max_uses = models.PositiveIntegerField(_("使用次数上限"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("已使用次数"), default=0)
    revoked_at = models.DateTimeField(_("作废于"), null=True, blank=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(use_count__lte=F("max_uses")),
                name="invite_uses_within_limit",
            )
        ]

    def __str__(self) -> str:
        return self.code

    def is_usable(self, now: datetime | None = None) -> bool:
        return (
            self.revoked_at is None
            and (now or timezone.now()) < self.expires_at
            and (self.max_uses is None or self.use_count < self.max_uses)
        )


class JoinRequest(TimestampedModel):
    """A request to join a community that asks for approval (入群审核)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("已拒绝")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("社群")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="join_requests",
        verbose_name=_("申请人"),
    )
    invite = models.ForeignKey(
        Invite,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="join_requests",
        verbose_name=_("邀请"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
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
        verbose_name = _("入群申请")
        verbose_name_plural = _("入群申请")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community}"


class Announcement(models.Model):
    """A version of the announcement (群公告): each edit is a new row; the latest is current."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("社群")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    body = models.TextField(_("公告内容"), max_length=2000)
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群公告")
        verbose_name_plural = _("群公告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="announcement_latest")]

    def __str__(self) -> str:
        return self.body[:30]


class GroupTodo(TimestampedModel):
    """A group to-do (群待办): something every member should do by a date."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="todos", verbose_name=_("社群")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    title = models.CharField(_("待办事项"), max_length=100)
    due_at = models.DateTimeField(_("截止时间"))

    class Meta:
        verbose_name = _("群待办")
        verbose_name_plural = _("群待办")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.title


class TodoDone(models.Model):
    todo = models.ForeignKey(
        GroupTodo, on_delete=models.CASCADE, related_name="dones", verbose_name=_("待办")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员")
    )
    done_at = models.DateTimeField(_("完成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待办完成")
        verbose_name_plural = _("待办完成")
        constraints = [models.UniqueConstraint(fields=["todo", "user"], name="tododone_once")]

    def __str__(self) -> str:
        return f"{self.todo_id}: {self.user_id}"


class ModerationWord(models.Model):
    """A blocked word (敏感词): platform-wide without a community, else that community's own."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_words",
        verbose_name=_("社群"),
        help_text=_("留空表示全平台生效"),
    )
    word = models.CharField(_("敏感词"), max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("添加人"),
    )
    created_at = models.DateTimeField(_("添加时间"), default=timezone.now)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        constraints = [
            models.UniqueConstraint(fields=["community", "word"], name="moderationword_once"),
            models.UniqueConstraint(
                fields=["word"],
                condition=Q(community__isnull=True),
                name="moderationword_platform_once",
            ),
        ]

    def __str__(self) -> str:
        return self.word


class ModerationHit(models.Model):
    """A text refused for a blocked word, counted for the community's leader.

    Written on a connection of its own so it outlives the refused write's rollback; the database
    does not enforce its foreign keys, as the row it names may still be uncommitted elsewhere.
    """

    class Where(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("群公告")
        NICKNAME = "nickname", _("群昵称")
        TODO = "todo", _("群待办")
        CHAIN_TITLE = "chain_title", _("接龙标题")
        CHAIN_DESCRIPTION = "chain_description", _("接龙说明")
        ORDER_NOTE = "order_note", _("订单备注")

    community = models.ForeignKey(
        Community,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="moderation_hits",
        verbose_name=_("社群"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    word = models.CharField(_("敏感词"), max_length=32)
    platform = models.BooleanField(_("平台规则"), default=False)
    where = models.CharField(_("位置"), max_length=24, choices=Where.choices)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("敏感词拦截")
        verbose_name_plural = _("敏感词拦截")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="moderationhit_recent")]

    def __str__(self) -> str:
        return f"{self.word} @ {self.where}"
