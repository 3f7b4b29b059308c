from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.phone import normalize_phone
from apps.communities.models import Community, LeaderApplication, Membership


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


class CommunitySettingsForm(forms.Form):
    requires_approval = forms.BooleanField(label=_("入群需审核"), required=False)
    anti_harassment = forms.BooleanField(label=_("防骚扰（本群敏感词生效）"), required=False)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("群名称"), max_length=64)


class EndsAtForm(forms.Form):
    ends_at = forms.DateTimeField(
        label=_("结束时间（临时群，留空为长期群）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.nickname or obj.user.shown_name


class TransferForm(forms.Form):
    new_owner = MemberChoiceField(label=_("新群主"), queryset=Membership.objects.none())
    old_owner_role = forms.ChoiceField(
        label=_("我之后的身份"),
        choices=[(Membership.Role.ADMIN, _("管理员")), (Membership.Role.MEMBER, _("成员"))],
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(MemberChoiceField, self.fields["new_owner"])
        field.queryset = (
            Membership.objects.filter(community=community, left_at__isnull=True)
            .exclude(role=Membership.Role.OWNER)
            .select_related("user")
            .order_by("pk")
        )


INVITE_VALIDITY = [(1, _("1 天")), (7, _("7 天")), (30, _("30 天"))]


class InviteForm(forms.Form):
    days = forms.TypedChoiceField(label=_("有效期"), choices=INVITE_VALIDITY, coerce=int, initial=7)
    max_uses = forms.IntegerField(
        label=_("最多使用次数（留空不限）"), min_value=1, max_value=10_000, required=False
    )


class JoinForm(forms.Form):
    code = forms.CharField(label=_("邀请码"), max_length=16)


class AnnouncementForm(forms.Form):
    body = forms.CharField(label=_("公告内容"), max_length=2000, widget=forms.Textarea)


class TodoForm(forms.Form):
    title = forms.CharField(label=_("待办事项"), max_length=100)
    due_at = forms.DateTimeField(
        label=_("截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ModerationWordForm(forms.Form):
    word = forms.CharField(label=_("敏感词"), max_length=32)


class NicknameForm(forms.Form):
    nickname = forms.CharField(label=_("我的群昵称"), max_length=64, required=False)
