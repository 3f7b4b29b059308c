"""The leader's member list (分层管理): who is active, who is dormant, who left.

Activity comes from orders (the last one placed in this group, by the member's account or their
phone number), so this face of communities reads orders, which sit above it.
"""

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community, Membership
from apps.orders.models import Order


def members_with_activity(community: Community) -> QuerySet[Membership]:
    """The group's memberships, each with `last_order_at` and `order_count` in this group."""
    orders = (
        Order.objects.filter(community=community)
        .exclude(status=Order.Status.CANCELLED)
        .filter(Q(buyer_id=OuterRef("user_id")) | Q(contact_phone=OuterRef("user__phone")))
    )
    return (
        Membership.objects.filter(community=community)
        .select_related("user")
        .annotate(
            last_order_at=Subquery(orders.order_by("-created_at").values("created_at")[:1]),
            order_count=Coalesce(
                Subquery(
                    orders.order_by().values("community").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
    )


class MemberFilter(django_filters.FilterSet):
    ACTIVITY = [
        ("active_30", _("30 天内下过单")),
        ("dormant_30", _("30 天未下单")),
        ("dormant_90", _("90 天未下单")),
        ("never", _("从未下单")),
    ]
    STATUS = [("active", _("在群")), ("left", _("已退群")), ("all", _("全部"))]

    status = django_filters.ChoiceFilter(
        choices=STATUS, method="by_status", label=_("状态"), empty_label=None
    )
    activity = django_filters.ChoiceFilter(
        choices=ACTIVITY, method="by_activity", label=_("活跃度"), empty_label=_("全部")
    )
    role = django_filters.ChoiceFilter(
        choices=Membership.Role.choices, label=_("角色"), empty_label=_("全部")
    )
    joined_after = django_filters.DateFilter(
        field_name="joined_at", lookup_expr="date__gte", label=_("加入不早于")
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_at", lookup_expr="date__lte", label=_("加入不晚于")
    )
    q = django_filters.CharFilter(method="search", label=_("昵称/手机号"))
    ordering = django_filters.OrderingFilter(
        fields=(("last_order_at", "last_order_at"), ("joined_at", "joined_at")),
        label=_("排序"),
    )

    class Meta:
        model = Membership
        fields = ["status", "activity", "role"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # The list opens on the people in the group now.
        if data is None or not data.get("status"):
            data = data.copy() if data is not None else {}
            data["status"] = "active"
        super().__init__(data, *args, **kwargs)

    def by_status(self, queryset: QuerySet[Membership], name: str, value: str) -> Any:
        if value == "active":
            return queryset.filter(left_at__isnull=True)
        if value == "left":
            return queryset.filter(left_at__isnull=False)
        return queryset

    def by_activity(self, queryset: QuerySet[Membership], name: str, value: str) -> Any:
        now = timezone.now()
        if value == "active_30":
            return queryset.filter(Q(last_order_at__gte=now - timedelta(days=30)))
        if value == "never":
            return queryset.filter(Q(last_order_at__isnull=True))
        days = 90 if value == "dormant_90" else 30
        return queryset.filter(
            Q(last_order_at__isnull=True) | Q(last_order_at__lt=now - timedelta(days=days))
        )

    def search(self, queryset: QuerySet[Membership], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(nickname__icontains=value)
            | Q(user__display_name__icontains=value)
            | Q(user__phone__contains=value)
        )
