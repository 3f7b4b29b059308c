from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.distribution.models import (
    CommissionEntry,
    CommissionRule,
    Distributor,
    PayoutBatch,
    PayoutLine,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin shows them, never edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Distributor)
class DistributorAdmin(ReadOnlyAdmin):
    list_display = ["user", "code", "community", "merchant", "parent", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["code", "user__username", "user__display_name", "user__phone"]
    list_select_related = ["user", "community", "merchant", "parent__user"]


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "scope",
        "level1_mode",
        "level1_value",
        "level2_mode",
        "level2_value",
        "valid_from",
        "valid_until",
        "active",
    ]
    list_filter = ["kind", "scope", "active"]
    autocomplete_fields = ["merchant", "product", "sku", "excluded_products"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the ledger's snapshots still name the rule


@admin.register(CommissionEntry)
class CommissionEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "level",
        "beneficiary",
        "order",
        "base_amount",
        "amount",
        "batch",
        "reason",
    ]
    list_filter = ["kind", "level", "created_at"]
    search_fields = ["beneficiary__username", "beneficiary__display_name", "reason"]
    list_select_related = ["beneficiary", "order", "batch"]
    date_hierarchy = "created_at"


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    extra = 0
    can_delete = False
    readonly_fields = ["beneficiary", "amount"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "period_start", "period_end", "status", "total_amount", "reference"]
    list_filter = ["status"]
    inlines = [PayoutLineInline]
