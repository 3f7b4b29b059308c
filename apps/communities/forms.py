from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.phone import normalize_phone
from apps.communities.models import Community, LeaderApplication


class LeaderApplicationForm(forms.ModelForm):
    # Wider than the stored 11 digits: people type spaces, dashes and +86.
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )

    class Meta:
        model = LeaderApplication
        fields = ("name", "phone", "neighbourhood", "pickup_address")
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "pickup_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("群名称"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=Community.Kind.choices)
    description = forms.CharField(label=_("简介"), widget=forms.Textarea, required=False)
