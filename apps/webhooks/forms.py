from django import forms
from django.utils.translation import gettext_lazy as _

from apps.webhooks.models import EventType


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/tuangou/webhook"}),
        help_text=_("必须是公网地址；不跟随重定向"),
    )
    event_types = forms.MultipleChoiceField(
        label=_("事件类型"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("说明"), max_length=100, required=False)


class SubscriptionEditForm(SubscriptionForm):
    active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("重新启用后连续失败次数从零开始")
    )


class BotTokenForm(forms.Form):
    name = forms.CharField(
        label=_("名称"), max_length=64, help_text=_("例如：群接龙机器人"), strip=True
    )
