"""Merchants' staff keep their merchant's webhook subscriptions here, scoped like the catalog
admin: they see and pick only their own merchant; operations and superusers see every
subscription. Writes go through the services (URL checks, ownership)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from apps.accounts.models import User
from apps.accounts.roles import Role, has_role
from apps.catalog.selectors import merchants_visible_to
from apps.core.errors import DomainError
from apps.webhooks import services
from apps.webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription


def _sees_everything(user: Any) -> bool:
    return bool(user.is_superuser or has_role(user, Role.OPERATIONS))


def _visible_subscriptions(user: Any) -> QuerySet[WebhookSubscription]:
    if _sees_everything(user):
        return WebhookSubscription.objects.all()
    return WebhookSubscription.objects.filter(merchant__in=merchants_visible_to(user))


class SubscriptionAdminForm(forms.ModelForm):
    url = forms.CharField(label=gettext_lazy("接收地址"), max_length=500)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("事件类型"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ("merchant", "url", "event_types", "description", "active")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["merchant"].queryset = merchants_visible_to(user)  # type: ignore[attr-defined]
        self.fields["merchant"].required = True

    def clean(self) -> dict[str, Any]:
        """The services' own checks, so a refused URL shows beside the field."""
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            services.subscription_input_clean(
                url=data["url"],
                event_types=data["event_types"],
                description=data.get("description", ""),
            )
        except DomainError as error:
            raise ValidationError(
                {error.field: error.message} if error.field else error.message
            ) from error
        return data


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("created_at", "event_type", "event_id", "status", "attempts", "last_status_code",
              "last_error", "next_attempt_at")  # fmt: skip
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ("url", "owner", "active", "consecutive_failures", "disabled_at", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description")
    list_select_related = ("merchant", "community")
    readonly_fields = ("secret", "consecutive_failures", "disabled_at", "disabled_reason")
    inlines = [DeliveryInline]
    actions = ["send_test"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        return _visible_subscriptions(request.user)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=request.user, **inner)

        return BoundForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        # A subscription stays with its owner; a community's is kept on the leader's pages.
        return (*fields, "merchant", "community") if obj is not None else fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.community_id is not None:
            return _sees_everything(request.user) and super().has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("所属"))
    def owner(self, obj: WebhookSubscription) -> str:
        return obj.owner_name

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        """Through the services: ownership is checked and a new secret drawn there."""
        user: User = request.user  # type: ignore[assignment]
        data = form.cleaned_data
        fields = {
            "url": data["url"],
            "event_types": data["event_types"],
            "description": data.get("description", ""),
        }
        if change:
            saved = services.subscription_update(
                subscription=obj, actor=user, active=data.get("active", False), **fields
            )
        else:
            saved = services.subscription_create(merchant=data["merchant"], actor=user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        try:
            services.subscription_delete(subscription=obj, actor=request.user)  # type: ignore[arg-type]
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for subscription in queryset:
            self.delete_model(request, subscription)

    @admin.action(description=gettext_lazy("发送测试"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            try:
                services.subscription_send_test(subscription=subscription, actor=request.user)  # type: ignore[arg-type]
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, gettext("测试消息已排队发送，稍后刷新查看结果"))


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "started_at", "duration_ms", "status_code", "succeeded",
              "response_excerpt", "error")  # fmt: skip
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only."""

    list_display = ("created_at", "subscription", "event_type", "status", "attempts",
                    "last_status_code", "next_attempt_at")  # fmt: skip
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "subscription__url")
    list_select_related = ("subscription",)
    readonly_fields = ("subscription", "event_id", "event_type", "payload", "status", "attempts",
                       "next_attempt_at", "last_status_code", "last_error", "created_at",
                       "finished_at")  # fmt: skip
    inlines = [AttemptInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.filter(subscription__in=_visible_subscriptions(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    """Hidden from the index; reached from a delivery's page only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookAttempt]:
        return WebhookAttempt.objects.filter(
            delivery__subscription__in=_visible_subscriptions(request.user)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
