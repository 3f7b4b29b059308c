"""Orders in the admin, read only: orders change through their services (the leader's pages,
payments, the tasks), never by editing a row here. Staff with the view permission find orders,
see their lines and open their audit history; phone numbers are masked in the list, and each
opening of an order (which shows the contact phone) is written to the personal-data access log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.orders.models import Order, OrderLine
from apps.privacy.access_logging import PersonalDataAccessLogged, masked_phone_column


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "title",
        "sku",
        "unit_price",
        "quantity",
        "refunded_quantity",
        "line_total",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(PersonalDataAccessLogged):
    list_display = [
        "number",
        "community",
        "status",
        "total_amount",
        "paid_amount",
        "refunded_amount",
        "contact_name",
        "masked_contact_phone",
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "contact_phone", "referral_code"]
    list_select_related = ["community"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    exclude = ["submission_token", "ad_click_token"]
    readonly_fields = ["audit_history"]
    masked_contact_phone = masked_phone_column("contact_phone", _("联系电话"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            *(f.name for f in Order._meta.concrete_fields if f.name not in self.exclude),
            "audit_history",
        ]

    @admin.display(description=_("审计记录"))
    def audit_history(self, order: Order) -> str:
        # pghistory's events page, narrowed to this order and every audited row pointing at it
        # (lines, refunds, payments).
        url = reverse("admin:pghistory_events_changelist")
        return format_html(
            '<a href="{}?obj=orders.Order:{}&method=references">{}</a>',
            url,
            order.pk,
            _("查看这笔订单的全部变更"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
