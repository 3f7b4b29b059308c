from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import SKU, Merchant, Product
from apps.communities.models import Community
from apps.core.models import MoneyField, TimestampedModel
from apps.orders.models import Order


class Course(TimestampedModel):
    """A paid course (知识付费) owned by one community or one merchant, sold through its SKU."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("社群"),
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("商家"),
    )
    product = models.OneToOneField(
        Product, on_delete=models.PROTECT, related_name="course", verbose_name=_("商品")
    )
    sku = models.OneToOneField(
        SKU, on_delete=models.PROTECT, related_name="course", verbose_name=_("规格")
    )
    title = models.CharField(_("课程名称"), max_length=100)
    description = models.TextField(_("课程介绍"), blank=True)
    cover = models.ImageField(_("封面"), upload_to="courses/", blank=True)
    instructor_name = models.CharField(_("讲师"), max_length=32)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="taught_courses",
        verbose_name=_("讲师账号"),
    )
    active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        constraints = [
            models.CheckConstraint(
                condition=(Q(community__isnull=False) & Q(merchant__isnull=True))
                | (Q(community__isnull=True) & Q(merchant__isnull=False)),
                name="course_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(TimestampedModel):
    class Release(models.TextChoices):
        IMMEDIATE = "immediate", _("立即开放")
        DRIP = "drip", _("报名后第N天")
        DATE = "date", _("指定日期")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("课程")
    )
    position = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), blank=True)
    video_url = models.URLField(_("视频地址"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), default=0)
    is_trial = models.BooleanField(_("试看"), default=False)
    release = models.CharField(
        _("开放方式"), max_length=16, choices=Release.choices, default=Release.IMMEDIATE
    )
    release_days = models.PositiveIntegerField(
        _("报名后第几天开放"), default=0, help_text=_("0 表示报名当天")
    )
    release_at = models.DateTimeField(_("开放时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="lesson_unique_position"),
            models.CheckConstraint(
                condition=~Q(release="date") | Q(release_at__isnull=False),
                name="lesson_date_release_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def unlocks_at(self, *, anchor: datetime | None) -> datetime | None:
        """When an enrolled member may read it; None while there is no anchor (not enrolled).

        Drip days count in local calendar days (Asia/Shanghai): day N opens at local midnight
        N days after the anchor's date, so "第3天" means the same thing to everyone in the group.
        """
        if self.release == self.Release.DATE:
            return self.release_at
        if anchor is None:
            return None
        if self.release == self.Release.IMMEDIATE:
            return anchor
        day = timezone.localtime(anchor).date() + timedelta(days=self.release_days)
        return timezone.make_aware(datetime.combine(day, time.min))


class Cohort(TimestampedModel):
    """A 营期: members join within the enrolment window; drip days count from its start."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("课程")
    )
    name = models.CharField(_("营期名称"), max_length=64)
    enrol_opens_at = models.DateTimeField(_("报名开始"))
    enrol_closes_at = models.DateTimeField(_("报名截止"))
    starts_at = models.DateTimeField(_("开营时间"))

    class Meta:
        verbose_name = _("营期")
        verbose_name_plural = _("营期")
        ordering = ["course", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrol_closes_at__gt=F("enrol_opens_at")), name="cohort_window_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, now: datetime) -> bool:
        return self.enrol_opens_at <= now < self.enrol_closes_at


class CoursePurchase(models.Model):
    """Which order bought which course (and cohort): how a paid order finds its course."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="course_purchase", verbose_name=_("订单")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("课程")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
        verbose_name=_("营期"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("买家")
    )
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("课程订单")
        verbose_name_plural = _("课程订单")

    def __str__(self) -> str:
        return f"{self.course} · {self.order}"


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("学习中")
        REVOKED = "revoked", _("已失效")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("学员"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("课程")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("营期"),
    )
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollment",
        verbose_name=_("订单"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    access_ends_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(status="active"),
                name="enrollment_one_active_per_course",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id}"

    @property
    def drip_anchor(self) -> datetime:
        return self.cohort.starts_at if self.cohort_id and self.cohort else self.enrolled_at

    def grants_access(self, now: datetime) -> bool:
        return self.status == self.Status.ACTIVE and (
            self.access_ends_at is None or now < self.access_ends_at
        )


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="progress", verbose_name=_("报名")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress", verbose_name=_("课时")
    )
    position_seconds = models.PositiveIntegerField(_("观看位置（秒）"), default=0)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = _("学习进度")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="progress_one_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}/{self.lesson_id} @{self.position_seconds}s"


class LiveSession(TimestampedModel):
    """A live class or a coaching slot. A course's session is for its enrolled members; a
    community's session is free for its members, or, with a price, bought by anyone through an
    order (私教课)."""

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("课程"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="live_sessions",
        verbose_name=_("社群"),
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    duration_minutes = models.PositiveIntegerField(_("时长（分钟）"), default=60)
    capacity = models.PositiveIntegerField(_("名额"))
    booked_count = models.PositiveIntegerField(_("已约人数"), default=0)
    price = MoneyField(_("价格"), null=True, blank=True)
    sku = models.OneToOneField(
        SKU,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="live_session",
        verbose_name=_("规格"),
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("直播/私教课")
        verbose_name_plural = _("直播/私教课")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(course__isnull=False) & Q(community__isnull=True))
                | (Q(course__isnull=True) & Q(community__isnull=False)),
                name="session_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("capacity")), name="session_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | (Q(price__gt=0) & Q(sku__isnull=False)),
                name="session_priced_has_sku",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return self.capacity - self.booked_count


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待付款")
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")
        ATTENDED = "attended", _("已上课")

    session = models.ForeignKey(
        LiveSession, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("课程场次")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="session_bookings",
        verbose_name=_("学员"),
    )
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session_booking",
        verbose_name=_("订单"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=["pending_payment", "booked", "attended"]),
                name="booking_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id} {self.status}"

    @property
    def holds_place(self) -> bool:
        return self.status != self.Status.CANCELLED
