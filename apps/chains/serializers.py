"""How chains, their entries and the orders on them are rendered as JSON: the leader's API
(apps/chains/api.py) and the group-bot API (apps/webhooks/api.py) show them alike."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.chains import selectors
from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
from apps.communities.models import Community
from apps.orders.models import Order, OrderLine, OrderRefund, OrderRefundLine


class CommunityBriefOutputSerializer(serializers.ModelSerializer[Community]):
    class Meta:
        model = Community
        fields = ["id", "name"]
        read_only_fields = fields


class PickupPointOutputSerializer(serializers.ModelSerializer[PickupPoint]):
    class Meta:
        model = PickupPoint
        fields = ["id", "name", "address", "contact", "opening_hours", "active"]
        read_only_fields = fields


class ChainItemOutputSerializer(serializers.ModelSerializer[ChainItem]):
    class Meta:
        model = ChainItem
        fields = [
            "id",
            "sku",
            "title",
            "group_price",
            "member_price",
            "stock_cap",
            "remaining",
            "sold",
            "per_person_limit",
        ]
        read_only_fields = fields


class ChainSummaryOutputSerializer(serializers.Serializer[Any]):
    entries = serializers.IntegerField(help_text="Orders placed, cancelled ones included.")
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text="Order count by order status."
    )
    revenue = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Paid minus refunded."
    )


class ChainOutputSerializer(serializers.ModelSerializer[Chain]):
    community = CommunityBriefOutputSerializer(read_only=True)

    class Meta:
        model = Chain
        fields = [
            "id",
            "slug",
            "title",
            "status",
            "community",
            "leader",
            "opens_at",
            "closes_at",
            "fulfilment",
            "min_group_size",
            "members_only",
            "entry_count",
            "created_at",
        ]
        read_only_fields = fields


class ChainDetailOutputSerializer(ChainOutputSerializer):
    items = ChainItemOutputSerializer(many=True, read_only=True)
    pickup_points = PickupPointOutputSerializer(many=True, read_only=True)
    share_url = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta(ChainOutputSerializer.Meta):
        fields = [
            *ChainOutputSerializer.Meta.fields,
            "description",
            "closed_at",
            "share_url",
            "items",
            "pickup_points",
            "summary",
        ]
        read_only_fields = fields

    def get_share_url(self, chain: Chain) -> str:
        """The member page to post in the WeChat group."""
        path = reverse("chains:chain", kwargs={"slug": chain.slug})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(ChainSummaryOutputSerializer)
    def get_summary(self, chain: Chain) -> dict[str, Any]:
        return dict(ChainSummaryOutputSerializer(selectors.chain_summary(chain)).data)


class OrderLineOutputSerializer(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "title",
            "unit_price",
            "quantity",
            "refunded_quantity",
            "line_total",
        ]
        read_only_fields = fields


class OrderOutputSerializer(serializers.ModelSerializer[Order]):
    number = serializers.CharField(read_only=True)
    lines = OrderLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "contact_name",
            "contact_phone",
            "note",
            "total_amount",
            "paid_amount",
            "refunded_amount",
            "payment_method",
            "created_at",
            "paid_at",
            "completed_at",
            "cancelled_at",
            "lines",
        ]
        read_only_fields = fields


class EntryBriefOutputSerializer(serializers.ModelSerializer[ChainEntry]):
    class Meta:
        model = ChainEntry
        fields = ["id", "chain", "sequence", "pickup_code", "pickup_point"]
        read_only_fields = fields


class OrderInChainOutputSerializer(OrderOutputSerializer):
    entry = EntryBriefOutputSerializer(source="chain_entry", read_only=True)

    class Meta(OrderOutputSerializer.Meta):
        fields = [*OrderOutputSerializer.Meta.fields, "entry"]
        read_only_fields = fields


class EntryOutputSerializer(serializers.ModelSerializer[ChainEntry]):
    order = OrderOutputSerializer(read_only=True)

    class Meta:
        model = ChainEntry
        fields = ["id", "sequence", "pickup_code", "pickup_point", "created_at", "order"]
        read_only_fields = fields


class RefundLineOutputSerializer(serializers.ModelSerializer[OrderRefundLine]):
    class Meta:
        model = OrderRefundLine
        fields = ["line", "quantity", "amount"]
        read_only_fields = fields


class RefundOutputSerializer(serializers.ModelSerializer[OrderRefund]):
    lines = RefundLineOutputSerializer(many=True, read_only=True)
    order = OrderInChainOutputSerializer(read_only=True)

    class Meta:
        model = OrderRefund
        fields = ["id", "amount", "reason", "restocked", "created_at", "lines", "order"]
        read_only_fields = fields
