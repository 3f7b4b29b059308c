from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.communities import leaders
from apps.communities.models import Community, LeaderApplication, Membership
from apps.core.errors import DomainError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("owner",)
    inlines = [MembershipInline]


class LeaderApplicationDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("审核"),
        choices=[("", "—"), ("approve", _("通过")), ("reject", _("拒绝"))],
        required=False,
    )

    class Meta:
        model = LeaderApplication
        fields = ("decision", "decision_reason")


@admin.register(LeaderApplication)
class LeaderApplicationAdmin(admin.ModelAdmin):
    """Operations review applications: choose 通过 or 拒绝 (with a reason) and save."""

    form = LeaderApplicationDecisionForm
    list_display = ("name", "phone", "neighbourhood", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("name", "phone", "neighbourhood")
    readonly_fields = (
        "applicant",
        "name",
        "phone",
        "neighbourhood",
        "pickup_address",
        "status",
        "decided_by",
        "decided_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: LeaderApplication, form: Any, change: bool
    ) -> None:
        decision = form.cleaned_data.get("decision")
        reason = form.cleaned_data.get("decision_reason", "")
        reviewer: User = request.user  # type: ignore[assignment]
        try:
            if decision == "approve":
                leaders.leader_application_approve(
                    application=obj, reviewer=reviewer, reason=reason
                )
            elif decision == "reject":
                leaders.leader_application_reject(application=obj, reviewer=reviewer, reason=reason)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
