"""Admin side of privacy: the log of who looked at personal data and the members' requests
(the mixin that writes the log is apps.privacy.access_logging)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.privacy.models import PersonalDataAccess, PrivacyRequest


class SuperuserOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(SuperuserOnly):
    list_display = ["viewed_at", "viewer", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["object_type", "viewed_at"]
    search_fields = ["viewer__username", "object_id", "object_repr"]
    list_select_related = ["viewer"]
    date_hierarchy = "viewed_at"


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(SuperuserOnly):
    list_display = ["created_at", "user", "kind", "detail"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["user"]
