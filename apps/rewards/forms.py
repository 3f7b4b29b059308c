from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community, Membership
from apps.rewards.models import CouponTemplate
from apps.rewards.services import CouponTerms

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CouponTemplateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    discount_kind = forms.ChoiceField(
        label=_("优惠方式"), choices=CouponTemplate.DiscountKind.choices
    )
    amount_off = forms.DecimalField(
        label=_("减免金额（满减）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    percent_off = forms.IntegerField(
        label=_("减免百分比（折扣，10 即九折）"), min_value=1, max_value=99, required=False
    )
    min_spend = forms.DecimalField(
        label=_("最低消费"), max_digits=12, decimal_places=2, min_value=0, initial=0
    )
    valid_from = forms.DateTimeField(label=_("生效时间"), widget=DATETIME_WIDGET)
    valid_until = forms.DateTimeField(label=_("截止时间"), widget=DATETIME_WIDGET)
    valid_days = forms.IntegerField(
        label=_("领取后有效天数（选填）"), min_value=1, max_value=3650, required=False
    )
    total_quantity = forms.IntegerField(label=_("发放总量"), min_value=1, max_value=1_000_000)
    points_price = forms.IntegerField(
        label=_("兑换所需积分（选填，填写后成员可用积分兑换）"),
        min_value=1,
        max_value=1_000_000,
        required=False,
    )

    def terms(self) -> CouponTerms:
        data = self.cleaned_data
        return CouponTerms(
            name=data["name"],
            discount_kind=data["discount_kind"],
            amount_off=data["amount_off"],
            percent_off=data["percent_off"],
            min_spend=data["min_spend"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            valid_days=data["valid_days"],
            total_quantity=data["total_quantity"],
            points_price=data["points_price"],
        )


class WelcomeGiftForm(forms.Form):
    coupon_template = forms.ModelChoiceField(
        label=_("优惠券"),
        queryset=CouponTemplate.objects.none(),
        required=False,
        empty_label=_("不送优惠券"),
    )
    points = forms.IntegerField(label=_("积分"), min_value=0, max_value=100_000, initial=0)

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_template"].queryset = CouponTemplate.objects.filter(  # type: ignore[attr-defined]
            community=community, active=True
        ).order_by("-pk")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.nickname or obj.user.shown_name)


class CouponIssueForm(forms.Form):
    template = forms.ModelChoiceField(label=_("优惠券"), queryset=CouponTemplate.objects.none())
    member = MemberChoiceField(label=_("发给成员"), queryset=Membership.objects.none())

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = CouponTemplate.objects.filter(  # type: ignore[attr-defined]
            community=community, active=True
        ).order_by("-pk")
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(community=community, left_at=None)
            .select_related("user")
            .order_by("joined_at", "pk")
        )
