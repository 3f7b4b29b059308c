from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.memberships.models import MemberCoupon, MembershipPlan, Subscription, SubscriptionPeriod


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    """Plans are created and priced through the leader's pages (which keep the SKU in step);
    operations look them up here and may only stop a plan's sale."""

    list_display = ["name", "community", "period", "price", "trial_days", "active", "created_at"]
    list_filter = ["period", "active"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]
    readonly_fields = [
        "community",
        "name",
        "period",
        "price",
        "benefits",
        "trial_days",
        "monthly_coupon",
        "product",
        "sku",
        "created_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class SubscriptionPeriodInline(admin.TabularInline):
    model = SubscriptionPeriod
    extra = 0
    can_delete = False
    fields = ["kind", "order", "period", "price", "starts_at", "ends_at", "revoked_at"]
    readonly_fields = ["kind", "order", "period", "price", "starts_at", "ends_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only: a subscription changes only through payments, refunds and the expiry task."""

    list_display = ["user", "plan", "status", "starts_at", "ends_at", "price"]
    list_filter = ["status", "period"]
    search_fields = ["user__username", "user__phone", "user__display_name", "plan__name"]
    list_select_related = ["user", "plan"]
    date_hierarchy = "ends_at"
    inlines = [SubscriptionPeriodInline]
    readonly_fields = ["user", "plan", "status", "starts_at", "ends_at", "price", "period", "order"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MemberCoupon)
class MemberCouponAdmin(admin.ModelAdmin):
    list_display = ["subscription", "month", "coupon", "created_at"]
    readonly_fields = ["subscription", "month", "coupon"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
