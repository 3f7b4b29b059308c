"""The audit history in the admin: pghistory's events page (settings.PGHISTORY_ADMIN_CLASS)
with who made each change and what it changed, before → after."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin
from pghistory.admin.core import EventsChangeList


def _shown(value: Any) -> str:
    # Decimals come back from the JSON diff as floats; every audited decimal has two places.
    if isinstance(value, float):
        return f"{value:.2f}"
    return "—" if value is None or value == "" else str(value)


class AuditChangeList(EventsChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # One query for the page's users, rather than one per row.
        ids = {
            event.pgh_context.get("user")
            for event in self.result_list
            if isinstance(event.pgh_context, dict) and event.pgh_context.get("user")
        }
        names = {
            user.pk: user.get_username()
            for user in get_user_model().objects.filter(pk__in=ids).only("username")
        }
        for event in self.result_list:
            user_id = (event.pgh_context or {}).get("user")
            event.audit_user_name = names.get(user_id) if user_id else None


class AuditEventsAdmin(EventsAdmin):
    list_per_page = 50

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[AuditChangeList]:
        return AuditChangeList

    def get_list_display(self, request: HttpRequest) -> list[str]:  # type: ignore[override]
        return ["pgh_created_at", "object", "pgh_label", "changes", "who"]

    @admin.display(description=_("对象"))
    def object(self, event: Any) -> str:
        return f"{event.pgh_obj_model} #{event.pgh_obj_id}"

    @admin.display(description=_("变更（之前 → 之后）"))
    def changes(self, event: Any) -> str:
        diff = event.pgh_diff or {}
        if not diff:
            return "—"
        return format_html_join(
            "",
            "<div><b>{}</b>: {} → {}</div>",
            ((key, _shown(old), _shown(new)) for key, (old, new) in diff.items()),
        )

    @admin.display(description=_("操作人"))
    def who(self, event: Any) -> str:
        context = event.pgh_context or {}
        name = getattr(event, "audit_user_name", None)
        if name:
            return format_html("{} <small>{}</small>", name, context.get("url", ""))
        if context.get("task"):
            return format_html("{} <small>{}</small>", _("后台任务"), context["task"])
        return str(_("系统"))
