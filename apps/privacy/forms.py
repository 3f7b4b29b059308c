from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我了解注销后无法恢复，订单与财务记录将匿名保留"),
        error_messages={"required": _("请勾选确认后再注销")},
    )
