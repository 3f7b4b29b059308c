from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import CommunityMute, Notification, NotificationPreference
from apps.notifications.services import notifications_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipient",
        "template",
        "kind",
        "channel",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", "kind", "channel", "template")
    search_fields = ("dedupe_key", "recipient__username", "recipient__phone")
    raw_id_fields = ("recipient",)
    readonly_fields = ("dedupe_key", "attempts", "sent_at", "claimed_at", "last_error")
    list_select_related = ("recipient",)
    actions = ("retry",)

    @admin.action(description=_("重新发送所选的失败通知"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notifications_retry(notification_ids=list(queryset.values_list("pk", flat=True)))
        if count:
            self.message_user(
                request,
                ngettext("已重新排队 %(count)d 条通知。", "已重新排队 %(count)d 条通知。", count)
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("所选通知中没有失败或被拦截的通知。"), messages.WARNING
            )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "email_enabled",
        "sms_enabled",
        "wechat_enabled",
        "marketing_opted_out_at",
        "updated_at",
    )
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__phone")


@admin.register(CommunityMute)
class CommunityMuteAdmin(admin.ModelAdmin):
    list_display = ("user", "community_id", "created_at")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__phone")
