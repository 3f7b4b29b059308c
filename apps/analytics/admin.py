from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.analytics.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "name", "distinct_id", "subject_type", "subject_id")
    list_filter = ("name",)
    search_fields = ("distinct_id",)
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
