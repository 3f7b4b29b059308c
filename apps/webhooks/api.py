"""The bot API (/api/v1/bot/…): a community's chains, entries and orders, read-only, and its
announcement. Everything starts from the token's community, so another community's chain or
order is a 404; any other endpoint refuses a bot token (401), and every endpoint here refuses
a logged-in person (401: bots only). Contact phones are masked: a group bot needs to recognise
a member, not to call them.
"""

from functools import cached_property
from typing import Any, TypeVar, cast

import django_filters
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from apps.accounts.phone import mask_phone
from apps.chains.models import Chain, ChainEntry
from apps.chains.serializers import (
    ChainDetailOutputSerializer,
    ChainOutputSerializer,
    EntryBriefOutputSerializer,
    OrderLineOutputSerializer,
)
from apps.communities.content import announcement_post
from apps.communities.models import Announcement, Community
from apps.communities.serializers import AnnouncementInputSerializer, AnnouncementOutputSerializer
from apps.core.api import ErrorSerializer
from apps.core.errors import NotFound
from apps.orders.models import Order
from apps.webhooks import selectors
from apps.webhooks.auth import BotTokenAuthentication, BotTokenThrottle, IsBot
from apps.webhooks.models import BotToken

M = TypeVar("M", bound=Model)

_AUTH = {
    401: OpenApiResponse(ErrorSerializer, description="No bot token, or revoked."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests for this token."),
}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not in this community.")}


class BotViewSet(GenericViewSet[M]):
    authentication_classes = [BotTokenAuthentication]
    permission_classes = [IsBot]
    throttle_classes = [BotTokenThrottle]

    @property
    def token(self) -> BotToken:
        return cast(BotToken, self.request.auth)

    @property
    def community(self) -> Community:
        return self.token.community


# --- Output ---------------------------------------------------------------------------------


class BotCommunityOutputSerializer(serializers.ModelSerializer[Community]):
    class Meta:
        model = Community
        fields = ["id", "name"]
        read_only_fields = fields


class BotOrderOutputSerializer(serializers.ModelSerializer[Order]):
    number = serializers.CharField(read_only=True)
    contact_phone = serializers.SerializerMethodField(help_text="Masked: 138****5678.")
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
            "created_at",
            "paid_at",
            "completed_at",
            "cancelled_at",
            "lines",
        ]
        read_only_fields = fields

    def get_contact_phone(self, order: Order) -> str:
        return mask_phone(order.contact_phone)


class BotOrderWithEntryOutputSerializer(BotOrderOutputSerializer):
    entry = EntryBriefOutputSerializer(source="chain_entry", read_only=True)

    class Meta(BotOrderOutputSerializer.Meta):
        fields = [*BotOrderOutputSerializer.Meta.fields, "entry"]
        read_only_fields = fields


class BotEntryOutputSerializer(serializers.ModelSerializer[ChainEntry]):
    order = BotOrderOutputSerializer(read_only=True)

    class Meta:
        model = ChainEntry
        fields = ["id", "sequence", "pickup_code", "pickup_point", "created_at", "order"]
        read_only_fields = fields


# --- Filters --------------------------------------------------------------------------------


class BotChainFilter(django_filters.FilterSet):
    class Meta:
        model = Chain
        fields = ["status"]


class BotOrderFilter(django_filters.FilterSet):
    chain = django_filters.NumberFilter(field_name="chain_entry__chain", label=gettext_lazy("接龙"))

    class Meta:
        model = Order
        fields = ["status", "chain"]


# --- Views ----------------------------------------------------------------------------------


class BotCommunityView(APIView):
    """The community this token belongs to."""

    authentication_classes = [BotTokenAuthentication]
    permission_classes = [IsBot]
    throttle_classes = [BotTokenThrottle]

    @extend_schema(responses={200: BotCommunityOutputSerializer, **_AUTH})
    def get(self, request: Request) -> Response:
        token = cast(BotToken, request.auth)
        return Response(BotCommunityOutputSerializer(token.community).data)


class BotChainViewSet(BotViewSet[Chain]):
    """The community's published chains (drafts stay private to the leader)."""

    queryset = Chain.objects.none()
    filterset_class = BotChainFilter
    ordering_fields = ["closes_at", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Chain]:
        if self.action == "list":
            return selectors.bot_chains(self.community)
        return selectors.bot_chains_detailed(self.community)

    @extend_schema(responses={200: ChainOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = ChainOutputSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(responses={200: ChainDetailOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        chain = self.get_object()
        return Response(
            ChainDetailOutputSerializer(chain, context=self.get_serializer_context()).data
        )


@extend_schema(
    parameters=[OpenApiParameter("chain_pk", int, OpenApiParameter.PATH)],
    responses={200: BotEntryOutputSerializer, **_AUTH, **_NOT_FOUND},
)
class BotChainEntryViewSet(BotViewSet[ChainEntry]):
    """A chain's entries (接龙记录) in sequence, each with its order."""

    queryset = ChainEntry.objects.none()
    filter_backends: list[Any] = []

    @cached_property
    def chain(self) -> Chain:
        chain = selectors.bot_chains(self.community).filter(pk=self.kwargs["chain_pk"]).first()
        if chain is None:
            raise NotFound(_("接龙不存在"))
        return chain

    def get_queryset(self) -> QuerySet[ChainEntry]:
        return selectors.bot_entries(self.chain)

    def list(self, request: Request, chain_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BotEntryOutputSerializer(page, many=True).data)


class BotOrderViewSet(BotViewSet[Order]):
    """Orders placed on the community's chains."""

    queryset = Order.objects.none()
    filterset_class = BotOrderFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.bot_orders(self.community)

    @extend_schema(responses={200: BotOrderWithEntryOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BotOrderWithEntryOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: BotOrderWithEntryOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(BotOrderWithEntryOutputSerializer(self.get_object()).data)


class BotAnnouncementViewSet(BotViewSet[Announcement]):
    """Post the group announcement (群公告), on behalf of the leader who made the token."""

    queryset = Announcement.objects.none()
    parser_classes = [JSONParser]

    @extend_schema(
        request=AnnouncementInputSerializer,
        responses={
            201: AnnouncementOutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Empty, too long or blocked words."),
            **_AUTH,
        },
    )
    def create(self, request: Request) -> Response:
        serializer = AnnouncementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        announcement = announcement_post(
            community=self.community,
            actor=self.token.created_by,
            body=serializer.validated_data["body"],
        )
        return Response(
            AnnouncementOutputSerializer(announcement).data, status=status.HTTP_201_CREATED
        )
