from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.privacy.access_logging import PersonalDataAccessLogged, masked_phone_column


@admin.register(User)
class UserAdmin(PersonalDataAccessLogged, BaseUserAdmin):
    # The list masks phone numbers; the change page shows them, and its every view is logged.
    list_display = ("username", "display_name", "masked_phone", "is_staff", "date_joined")
    masked_phone = masked_phone_column("phone", _("手机号"))
    search_fields = ("username", "display_name", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("团购助手"), {"fields": ("phone", "display_name", "wechat_openid")}),
    )
