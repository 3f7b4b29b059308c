import django_filters
from django.utils.translation import gettext_lazy as _

from apps.chains.models import Chain, ChainEntry, PickupPoint
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


class ChainFilter(django_filters.FilterSet):
    """The API's chain list. A plain number for the community, so probing another group's id
    answers an empty list, the same as a group that does not exist."""

    community = django_filters.NumberFilter(field_name="community", label=_("社群"))

    class Meta:
        model = Chain
        fields = ["status", "community"]


class OrderFilter(django_filters.FilterSet):
    """The API's order list: by status and by the chain the order was placed on."""

    chain = django_filters.NumberFilter(field_name="chain_entry__chain", label=_("接龙"))

    class Meta:
        model = Order
        fields = ["status", "chain"]


class MyOrderFilter(django_filters.FilterSet):
    """A member's own orders: by status and by chain (its slug, as in the shared link)."""

    chain = django_filters.CharFilter(field_name="chain_entry__chain__slug", label=_("接龙"))

    class Meta:
        model = Order
        fields = ["status", "chain"]
