"""Operations look here; every write goes through the services and the leader's pages, and the
points ledger cannot be changed or deleted from the admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.rewards.models import (
    CheckIn,
    Coupon,
    CouponTemplate,
    PointsEntry,
    WelcomeGift,
    WelcomeGiftGrant,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "community", "user", "kind", "reason", "points")
    list_filter = ("kind", "reason")
    search_fields = ("user__username", "user__phone", "community__name", "source_key")
    list_select_related = ("community", "user")
    date_hierarchy = "created_at"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("day", "community", "user", "streak", "points")
    search_fields = ("user__username", "user__phone", "community__name")
    list_select_related = ("community", "user")
    date_hierarchy = "day"


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "community",
        "discount_kind",
        "amount_off",
        "percent_off",
        "min_spend",
        "valid_until",
        "issued_count",
        "total_quantity",
        "active",
    )
    list_filter = ("discount_kind", "active")
    search_fields = ("name", "community__name")
    list_select_related = ("community",)


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("code", "template", "community", "owner", "status", "expires_at", "used_at")
    list_filter = ("status",)
    search_fields = ("code", "owner__username", "owner__phone", "phone")
    list_select_related = ("template", "community", "owner")


@admin.register(WelcomeGift)
class WelcomeGiftAdmin(ReadOnlyAdmin):
    list_display = ("community", "coupon_template", "points", "updated_by", "updated_at")
    list_select_related = ("community", "coupon_template", "updated_by")


@admin.register(WelcomeGiftGrant)
class WelcomeGiftGrantAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "community", "user", "points", "coupon")
    search_fields = ("user__username", "user__phone", "community__name")
    list_select_related = ("community", "user", "coupon")
