from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.communities import leaders
from apps.communities.models import (
    Announcement,
    Community,
    Invite,
    JoinRequest,
    LeaderApplication,
    Membership,
    ModerationHit,
    ModerationWord,
)
from apps.core.errors import DomainError
from apps.privacy.access_logging import PersonalDataAccessLogged, masked_phone_column


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "invite", "removed_by")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "created_at", "ends_at", "dissolved_at")
    list_filter = ("kind", "requires_approval", "anti_harassment")
    search_fields = ("name",)
    raw_id_fields = ("owner",)
    readonly_fields = ("dissolved_at", "anonymised_at")
    inlines = [MembershipInline]


@admin.register(ModerationWord)
class ModerationWordAdmin(admin.ModelAdmin):
    """Operations keep the platform-wide list (no community); leaders keep their own on a page."""

    list_display = ("word", "community", "created_by", "created_at")
    list_filter = (("community", admin.EmptyFieldListFilter),)
    search_fields = ("word", "community__name")
    raw_id_fields = ("community",)
    exclude = ("created_by", "created_at")

    def save_model(
        self, request: HttpRequest, obj: ModerationWord, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(ModerationHit)
class ModerationHitAdmin(admin.ModelAdmin):
    list_display = ("created_at", "community", "where", "word", "platform")
    list_filter = ("where", "platform")
    search_fields = ("word",)
    raw_id_fields = ("community", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("code", "community", "created_by", "expires_at", "use_count", "max_uses")
    search_fields = ("code", "community__name")
    raw_id_fields = ("community", "created_by")
    readonly_fields = ("use_count",)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "status", "created_at", "decided_by")
    list_filter = ("status",)
    raw_id_fields = ("community", "user", "invite", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("community", "author", "created_at")
    search_fields = ("body", "community__name")
    raw_id_fields = ("community", "author")


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
class LeaderApplicationAdmin(PersonalDataAccessLogged):
    """Operations review applications: choose 通过 or 拒绝 (with a reason) and save. The list
    masks phones; opening an application (phone and pickup address) is logged."""

    form = LeaderApplicationDecisionForm
    list_display = (
        "name",
        "masked_phone",
        "neighbourhood",
        "status",
        "created_at",
        "decided_by",
    )
    masked_phone = masked_phone_column("phone", _("手机号"))
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
