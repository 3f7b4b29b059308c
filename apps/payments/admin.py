"""Payments, refunds and reconciliation in the admin: read only. Money moves through the
services (the leader's pages, notifications, the tasks), never by editing a row here."""

from typing import Any

from django.contrib import admin
from django.db.models import Case, QuerySet, When
from django.http import HttpRequest

from apps.payments.models import Payment, ReconciliationRow, ReconciliationRun, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = readonly_fields = (
        "out_refund_no",
        "amount",
        "status",
        "reason",
        "failure",
        "created_at",
    )
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "out_trade_no",
        "order",
        "provider",
        "amount",
        "refunded_amount",
        "status",
        "flag_reason",
        "created_at",
        "succeeded_at",
    ]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["out_trade_no", "transaction_id", "order__contact_phone"]
    list_select_related = ["order"]
    inlines = [RefundInline]
    date_hierarchy = "created_at"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["out_refund_no", "payment", "amount", "status", "failure", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["out_refund_no", "refund_id", "payment__out_trade_no"]
    list_select_related = ["payment"]


class ReconciliationRowInline(admin.TabularInline):
    model = ReconciliationRow
    extra = 0
    fields = readonly_fields = (
        "kind",
        "result",
        "direction",
        "out_trade_no",
        "out_refund_no",
        "transaction_id",
        "bill_amount",
        "our_amount",
    )
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReconciliationRow]:
        # Problems first: finance reads those, the matched rows are the long tail.
        matched_last = Case(When(result=ReconciliationRow.Result.MATCHED, then=1), default=0)
        return super().get_queryset(request).order_by(matched_last, "result", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = [
        "bill_date",
        "source",
        "matched",
        "missing_here",
        "missing_remote",
        "mismatched",
        "bill_total",
        "bill_refund_total",
        "created_at",
    ]
    list_filter = ["source"]
    date_hierarchy = "bill_date"
    inlines = [ReconciliationRowInline]


@admin.register(ReconciliationRow)
class ReconciliationRowAdmin(ReadOnlyAdmin):
    list_display = [
        "run",
        "kind",
        "result",
        "direction",
        "out_trade_no",
        "out_refund_no",
        "bill_amount",
        "our_amount",
    ]
    list_filter = ["result", "direction", "kind", "run__bill_date"]
    search_fields = ["out_trade_no", "out_refund_no", "transaction_id"]
    list_select_related = ["run"]
