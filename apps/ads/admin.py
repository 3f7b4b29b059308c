"""Operations' back office for ads: advertisers and their users, campaigns, creative review,
placements offered to groups, and the rollups (read only)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.ads import services
from apps.ads.models import Advertiser, Campaign, Creative, HourlyStat, Placement
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error


@admin.register(Advertiser)
class AdvertiserAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["users"]


class CreativeInline(admin.TabularInline):
    model = Creative
    extra = 0
    fields = ["title", "image", "landing_url", "review"]
    readonly_fields = ["review"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "advertiser",
        "pricing",
        "price",
        "daily_budget",
        "total_budget",
        "spent_total",
        "starts_at",
        "ends_at",
        "status",
    ]
    list_filter = ["status", "pricing", "pacing"]
    search_fields = ["name", "advertiser__name"]
    list_select_related = ["advertiser"]
    readonly_fields = ["spent_total", "spent_today", "spent_on"]
    inlines = [CreativeInline]


@admin.register(Creative)
class CreativeAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "landing_url", "review", "reviewed_by", "reviewed_at"]
    list_filter = ["review"]
    search_fields = ["title", "campaign__name"]
    list_select_related = ["campaign__advertiser", "reviewed_by"]
    readonly_fields = ["review", "reviewed_by", "reviewed_at"]
    actions = ["approve", "reject"]

    def _review(self, request: HttpRequest, queryset: QuerySet[Creative], approve: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        done = 0
        for creative in queryset:
            try:
                services.creative_review(creative=creative, actor=actor, approve=approve)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            done += 1
        self.message_user(request, _("已处理 %(n)s 个素材") % {"n": done})

    @admin.action(description=gettext_lazy("审核通过"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Creative]) -> None:
        self._review(request, queryset, True)

    @admin.action(description=gettext_lazy("审核拒绝"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Creative]) -> None:
        self._review(request, queryset, False)


class PlacementOfferForm(forms.ModelForm):
    class Meta:
        model = Placement
        fields = ["creative", "community", "slot", "revenue_share"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and all(
            data.get(f) is not None for f in ("creative", "community", "slot", "revenue_share")
        ):
            try:
                services.placement_offer_check(
                    creative=data["creative"],
                    community=data["community"],
                    slot=data["slot"],
                    revenue_share=data["revenue_share"],
                )
            except DomainError as error:
                add_domain_error(self, error)
        return data


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    form = PlacementOfferForm
    list_display = ["campaign", "community", "slot", "leader", "revenue_share", "status"]
    list_filter = ["status", "slot"]
    search_fields = ["campaign__name", "community__name"]
    list_select_related = ["campaign__advertiser", "community", "leader"]
    autocomplete_fields = ["community"]
    fields = ["creative", "community", "slot", "revenue_share", "status", "leader", "decided_at"]
    readonly_fields = ["status", "leader", "decided_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A placement's terms are what the leader accepted: fixed once offered.
        if obj is not None:
            return ["creative", "community", "slot", "revenue_share", *self.readonly_fields]
        return [*self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Placement, form: Any, change: bool) -> None:
        if change:
            return
        placement = services.placement_offer(
            creative=obj.creative,
            community=obj.community,
            slot=obj.slot,
            revenue_share=obj.revenue_share,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = placement.pk


@admin.register(HourlyStat)
class HourlyStatAdmin(admin.ModelAdmin):
    list_display = ["hour", "placement", "impressions", "reach", "clicks", "conversions", "spend"]
    list_select_related = ["placement__campaign", "placement__community"]
    date_hierarchy = "hour"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
