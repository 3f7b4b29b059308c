from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community
from apps.memberships.models import MembershipPlan, Period
from apps.memberships.services import MAX_TRIAL_DAYS, PlanTerms
from apps.rewards.models import CouponTemplate


class PlanForm(forms.Form):
    """A plan's terms; the period is chosen once, when the plan is created."""

    name = forms.CharField(label=_("方案名称"), max_length=64)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices)
    price = forms.DecimalField(
        label=_("价格（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    benefits = forms.CharField(label=_("会员权益"), widget=forms.Textarea, required=False)
    trial_days = forms.IntegerField(
        label=_("免费试用天数（0 为不试用）"), min_value=0, max_value=MAX_TRIAL_DAYS, initial=0
    )
    monthly_coupon = forms.ModelChoiceField(
        label=_("每月会员券（选填）"), queryset=CouponTemplate.objects.none(), required=False
    )
    active = forms.BooleanField(label=_("在售"), required=False, initial=True)

    def __init__(
        self, *args: Any, community: Community, plan: MembershipPlan | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        monthly_coupon = self.fields["monthly_coupon"]
        assert isinstance(monthly_coupon, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        monthly_coupon.queryset = CouponTemplate.objects.filter(community=community, active=True)
        if plan is not None:
            del self.fields["period"]

    def terms(self) -> PlanTerms:
        data = self.cleaned_data
        return PlanTerms(
            name=data["name"],
            price=data["price"],
            benefits=data["benefits"],
            trial_days=data["trial_days"],
            monthly_coupon=data["monthly_coupon"],
            active=data["active"],
        )
