from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "template", "kind", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("dedupe_key", "recipient__username", "recipient__phone")
    raw_id_fields = ("recipient",)
    readonly_fields = ("dedupe_key", "attempts", "sent_at", "last_error")
