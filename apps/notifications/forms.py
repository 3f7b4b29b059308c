from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("邮件"), required=False)
    sms = forms.BooleanField(label=_("短信"), required=False)
    wechat = forms.BooleanField(label=_("微信订阅消息"), required=False)
    marketing = forms.BooleanField(
        label=_("接收营销消息（接龙截单提醒、活动推荐）"), required=False
    )
    muted = forms.TypedMultipleChoiceField(
        label=_("免打扰的社群"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("这些社群的营销消息不再发送给你；订单、会员和课程通知照常发送。"),
    )

    def __init__(self, *args: Any, communities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["muted"]).choices = communities

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("email") or cleaned.get("sms") or cleaned.get("wechat")):
            raise forms.ValidationError(_("请至少保留一个通知渠道"))
        return cleaned
