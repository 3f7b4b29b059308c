"""What every admin that shows a person's phone or address shares: the change page writes the
access log, and lists show phones masked. It lives outside privacy/admin.py because the admins
of accounts, communities and orders use it, and one app's admin never imports another's."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from apps.accounts.phone import mask_phone
from apps.core.ratelimit import client_ip
from apps.privacy.services import personal_data_access_record


class PersonalDataAccessLogged(admin.ModelAdmin):
    """A ModelAdmin whose change page shows a person's phone or address: each time it is opened
    (a GET that finds the object), who, when and which object goes into the access log."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and request.user.is_authenticated:
                personal_data_access_record(
                    viewer=request.user,
                    obj=obj,
                    path=request.get_full_path(),
                    ip=client_ip(request),
                )
        return response


def masked_phone_column(field: str, description: Any) -> Any:
    """A list column showing `field` as 138****5678: lists are for finding, not for calling."""

    @admin.display(description=description, ordering=field)
    def column(self: Any, obj: Any) -> str:
        value = getattr(obj, field) or ""
        return mask_phone(value) if value else "—"

    return column
