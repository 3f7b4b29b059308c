from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.phone import normalize_phone
from apps.catalog.selectors import skus_sellable_by
from apps.chains.models import Chain, ChainItem, PickupPoint
from apps.chains.services import ChainDetails, ItemSpec
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.orders.models import Order

QUANTITY_PREFIX = "qty_"


class ChainOrderForm(forms.Form):
    """The member's order form. Quantities come as qty_<item id>; prices never come from it."""

    contact_name = forms.CharField(label=_("姓名"), max_length=32)
    contact_phone = forms.CharField(label=_("手机号"), max_length=20)
    # Choices from the chain's prefetched points, so a posted order does not look its point up
    # again (a ModelChoiceField queries on every clean).
    pickup_point = forms.TypedChoiceField(
        label=_("自提点"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    # The member picks one of their coupons (a select filled by the page) or types a code; the
    # service checks either, so the choices are not looked up again when the form is posted.
    coupon = forms.CharField(label=_("优惠券"), max_length=32, required=False)
    coupon_code = forms.CharField(label=_("券码"), max_length=32, required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, chain: Chain, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain = chain
        self._points = {point.pk: point for point in chain.pickup_points.all()}
        self.fields["pickup_point"].choices = [  # type: ignore[attr-defined]
            (point.pk, str(point)) for point in self._points.values()
        ]
        self.fields["contact_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["contact_phone"].widget = forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        )
        for item in chain.items.all():
            self.fields[f"{QUANTITY_PREFIX}{item.pk}"] = forms.IntegerField(
                label=item.title,
                min_value=0,
                max_value=999,
                required=False,
                initial=0,
                widget=forms.NumberInput(
                    attrs={"class": "qty", "inputmode": "numeric", "min": 0, "max": 999}
                ),
            )

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def clean_pickup_point(self) -> PickupPoint | None:
        chosen = self.cleaned_data["pickup_point"]
        return None if chosen is None else self._points[chosen]

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix(QUANTITY_PREFIX)): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith(QUANTITY_PREFIX)
        }

    def chosen_coupon_code(self) -> str:
        """A typed code wins over the select."""
        return (self.cleaned_data["coupon_code"] or self.cleaned_data["coupon"]).strip().upper()

    def quantity_fields(self) -> list[tuple[ChainItem, forms.BoundField]]:
        return [(item, self[f"{QUANTITY_PREFIX}{item.pk}"]) for item in self.chain.items.all()]


class ChainForm(forms.Form):
    community = forms.ModelChoiceField(label=_("群"), queryset=Community.objects.none())
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False)
    opens_at = forms.DateTimeField(
        label=_("开团时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("截单时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    fulfilment = forms.ChoiceField(label=_("交付方式"), choices=Chain.Fulfilment.choices)
    min_group_size = forms.IntegerField(label=_("成团人数"), min_value=1, required=False)
    members_only = forms.BooleanField(label=_("仅限本群付费会员参加"), required=False)
    pickup_points = forms.ModelMultipleChoiceField(
        label=_("自提点"),
        queryset=PickupPoint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, leader: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managed = communities_managed_by(leader)
        self.fields["community"].queryset = managed  # type: ignore[attr-defined]
        self.fields["pickup_points"].queryset = PickupPoint.objects.filter(  # type: ignore[attr-defined]
            community__in=managed, active=True
        ).select_related("community")

    def details(self) -> ChainDetails:
        data = self.cleaned_data
        return ChainDetails(
            title=data["title"],
            description=data["description"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            fulfilment=data["fulfilment"],
            min_group_size=data["min_group_size"],
            members_only=data["members_only"],
        )


class ChainItemForm(forms.Form):
    sku = forms.ModelChoiceField(label=_("商品规格"), queryset=ChainItem.objects.none())
    title = forms.CharField(label=_("展示名称"), max_length=100, required=False)
    group_price = forms.DecimalField(
        label=_("团购价"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    member_price = forms.DecimalField(
        label=_("会员价（选填）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    stock_cap = forms.IntegerField(label=_("限量"), min_value=1)
    per_person_limit = forms.IntegerField(label=_("每人限购"), min_value=1, required=False)

    def __init__(self, *args: Any, leader: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].queryset = skus_sellable_by(leader)  # type: ignore[attr-defined]

    def spec(self) -> ItemSpec:
        data = self.cleaned_data
        return ItemSpec(
            sku=data["sku"],
            group_price=data["group_price"],
            stock_cap=data["stock_cap"],
            per_person_limit=data["per_person_limit"],
            title=data["title"],
            member_price=data["member_price"],
        )


class BaseChainItemFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not filled:
            raise ValidationError(_("接龙至少需要一件商品"))

    def specs(self) -> list[ItemSpec]:
        return [
            form.spec()
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


ChainItemFormSet: type[BaseChainItemFormSet] = forms.formset_factory(  # type: ignore[assignment]
    ChainItemForm, formset=BaseChainItemFormSet, extra=3, can_delete=True, max_num=30
)


class RefundForm(forms.Form):
    reason = forms.CharField(label=_("退款原因"), max_length=200)
    restock = forms.BooleanField(label=_("退回库存"), required=False, initial=True)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        for line in order.lines.all():
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=gettext("%(title)s（¥%(price)s，可退 %(count)s）")
                % {
                    "title": line.title,
                    "price": line.unit_price,
                    "count": line.refundable_quantity,
                },
                min_value=0,
                max_value=line.refundable_quantity,
                initial=line.refundable_quantity,
                required=False,
            )

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix("line_")): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith("line_")
        }


class PickupPointForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    address = forms.CharField(
        label=_("地址"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    contact = forms.CharField(label=_("联系人电话"), max_length=32, required=False)
    opening_hours = forms.CharField(label=_("营业时间"), max_length=64, required=False)
