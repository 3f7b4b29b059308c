"""Merchant staff edit their own merchant's courses, lessons and cohorts (a course itself is
created through the course pages or the API, which make its catalog product and SKU);
operations see every course, enrolment and booking. Scoping as in apps.catalog.admin."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from apps.accounts.roles import Role, has_role
from apps.catalog.selectors import merchants_visible_to
from apps.courses.models import Booking, Cohort, Course, Enrollment, Lesson


def _sees_everything(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or has_role(request.user, Role.OPERATIONS))


def _courses_visible_to(request: HttpRequest) -> QuerySet[Course]:
    if _sees_everything(request):
        return Course.objects.all()
    return Course.objects.filter(merchant__in=merchants_visible_to(request.user))  # type: ignore[arg-type]


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = (
        ("position", "title"),
        "body",
        ("video_url", "duration_seconds"),
        ("is_trial", "release", "release_days", "release_at"),
    )


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "merchant", "community", "instructor_name", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("title", "instructor_name")
    readonly_fields = ("community", "merchant", "product", "sku", "instructor")
    fields = (
        "title",
        "description",
        "cover",
        "instructor_name",
        "active",
        "community",
        "merchant",
        "product",
        "sku",
        "instructor",
    )
    inlines = [LessonInline, CohortInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return _courses_visible_to(request).select_related("merchant", "community")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("course", "user", "cohort", "status", "enrolled_at", "access_ends_at")
    list_filter = ("status",)
    search_fields = ("course__title", "user__phone", "user__display_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return Enrollment.objects.filter(course__in=_courses_visible_to(request)).select_related(
            "course", "user", "cohort"
        )


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("session", "user", "status", "created_at")
    list_filter = ("status",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        courses = _courses_visible_to(request)
        scope = Q(session__course__in=courses)
        if _sees_everything(request):
            scope |= Q(session__community__isnull=False)
        return Booking.objects.filter(scope).select_related("session", "user")
