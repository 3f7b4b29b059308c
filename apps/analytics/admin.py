from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.analytics.models import Event, FunnelSnapshot, PersonAlias


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


@admin.register(PersonAlias)
class PersonAliasAdmin(admin.ModelAdmin):
    list_display = ("distinct_id", "person_id", "created_at")
    search_fields = ("distinct_id", "person_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FunnelSnapshot)
class FunnelSnapshotAdmin(admin.ModelAdmin):
    list_display = ("day", "funnel", "scope", "scope_id", "counts", "computed_at")
    list_filter = ("funnel", "scope")
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
