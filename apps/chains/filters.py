import django_filters
from django.utils.translation import gettext_lazy as _

from apps.chains.models import ChainEntry, PickupPoint
from apps.orders.models import Order


class EntryFilter(django_filters.FilterSet):
    """The leader's entries table: by order status and by pickup point."""

    status = django_filters.ChoiceFilter(
        field_name="order__status",
        choices=Order.Status.choices,
        label=_("状态"),
        empty_label=_("全部"),
    )
    pickup_point = django_filters.ModelChoiceFilter(
        queryset=PickupPoint.objects.none(), label=_("自提点"), empty_label=_("全部")
    )
    q = django_filters.CharFilter(method="search", label=_("姓名/手机/核销码"))

    class Meta:
        model = ChainEntry
        fields = ["status", "pickup_point"]

    def __init__(self, *args: object, chain: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if chain is not None:
            self.filters["pickup_point"].queryset = chain.pickup_points.all()  # type: ignore[attr-defined]

    def search(self, queryset: object, name: str, value: str) -> object:
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(  # type: ignore[attr-defined]
            Q(order__contact_name__contains=value)
            | Q(order__contact_phone__contains=value)
            | Q(pickup_code=value)
        )
