"""The leader's JSON API: chains, their entries and the orders placed on them.

Views stay thin: input serializers check the shape of a request, services decide and write,
output serializers render. Every queryset starts from the chains the user runs
(`selectors.chains_led_by`), so another leader's chain, entry or order is a 404, never a 403
that would tell it exists. Lists run a fixed number of queries whatever their length.
"""

from collections import Counter
from collections.abc import Callable
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.accounts.phone import normalize_phone
from apps.catalog.models import SKU
from apps.catalog.selectors import skus_sellable_by
from apps.chains import selectors, services
from apps.chains.filters import ChainFilter, EntryFilter, MyOrderFilter, OrderFilter
from apps.chains.models import Chain, ChainEntry, ChainItem, PickupPoint
from apps.chains.serializers import (
    ChainDetailOutputSerializer,
    ChainOutputSerializer,
    EntryOutputSerializer,
    OrderInChainOutputSerializer,
    RefundOutputSerializer,
)
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.api import ErrorSerializer
from apps.core.idempotency import idempotent, submission_token_for
from apps.orders import services as orders
from apps.orders.models import Order, OrderLine
from apps.payments import services as payments
from apps.payments.models import Payment

M = TypeVar("M", bound=Model)
MAX_INT = 2**31 - 1  # PostgreSQL integer columns: larger input is a 400, not a database error


def _user(request: Request) -> User:
    # IsAuthenticated (the default permission) has run: the user is a real account.
    return cast(User, request.user)


# --- Errors in the schema -----------------------------------------------------------------

# Session authentication comes first in settings, so DRF answers a missing or bad login with 403.
_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not one of your chains/orders.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}


# --- Input ----------------------------------------------------------------------------------


class LeaderScopedField(serializers.PrimaryKeyRelatedField, Generic[M]):
    """A primary key looked up only among the rows the requesting leader may use, so another
    leader's ids are simply "does not exist" and their names never leak into a message."""

    def __init__(
        self, *, model: type[M], scope: Callable[[User], QuerySet[M]], **kwargs: Any
    ) -> None:
        self.scope = scope
        super().__init__(queryset=model._default_manager.all(), **kwargs)

    def get_queryset(self) -> QuerySet[M]:
        return self.scope(_user(self.context["request"]))


def _pickup_points_managed_by(user: User) -> QuerySet[PickupPoint]:
    return PickupPoint.objects.filter(community__in=communities_managed_by(user), active=True)


class ChainItemInputSerializer(serializers.Serializer[Any]):
    sku = LeaderScopedField(model=SKU, scope=skus_sellable_by)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    group_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    member_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="会员价: what current paid members of the community pay; below group_price.",
    )
    stock_cap = serializers.IntegerField(max_value=MAX_INT)
    per_person_limit = serializers.IntegerField(
        max_value=MAX_INT, required=False, allow_null=True, default=None
    )


class ChainCreateInputSerializer(serializers.Serializer[Any]):
    community = LeaderScopedField(model=Community, scope=communities_managed_by)
    title = serializers.CharField(max_length=100)
    members_only = serializers.BooleanField(
        default=False, help_text="Only current paid members of the community may order."
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    closes_at = serializers.DateTimeField()
    fulfilment = serializers.ChoiceField(
        choices=Chain.Fulfilment.choices, default=Chain.Fulfilment.PICKUP
    )
    min_group_size = serializers.IntegerField(
        max_value=MAX_INT, required=False, allow_null=True, default=None
    )
    pickup_points = LeaderScopedField(
        model=PickupPoint, scope=_pickup_points_managed_by, many=True, required=False
    )
    items: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=ChainItemInputSerializer(), max_length=30
    )


class ChainCancelInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrderMarkPaidInputSerializer(serializers.Serializer[Any]):
    method = serializers.CharField(max_length=16, required=False, default="cash")


class OrderCancelInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundLineInputSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(help_text="Id of one of the order's lines.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_INT)


class OrderRefundInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)
    restock = serializers.BooleanField(
        default=False, help_text="Put the refunded quantities back on sale."
    )
    lines = RefundLineInputSerializer(
        many=True,
        required=False,
        allow_empty=False,
        help_text="Lines and quantities to refund; omitted, everything not yet refunded.",
    )


# --- Chains ---------------------------------------------------------------------------------


class ChainViewSet(GenericViewSet[Chain]):
    """The chains the user runs: their own and those of communities they own or administer."""

    queryset = Chain.objects.none()  # the model, for the schema; get_queryset scopes to the user
    parser_classes = [JSONParser]
    filterset_class = ChainFilter
    ordering_fields = ["closes_at", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Chain]:
        chains = selectors.chains_led_by(_user(self.request))
        if self.action == "list":
            return chains
        return chains.prefetch_related(
            Prefetch("items", queryset=ChainItem.objects.order_by("position", "pk")),
            Prefetch("pickup_points", queryset=PickupPoint.objects.order_by("pk")),
        )

    def _detail(self, chain: Chain, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=chain.pk)
        context = self.get_serializer_context()
        return Response(ChainDetailOutputSerializer(fresh, context=context).data, status=code)

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
        request=ChainCreateInputSerializer,
        responses={201: ChainDetailOutputSerializer, **_INVALID, **_AUTH},
    )
    def create(self, request: Request) -> Response:
        """A draft chain; open it with `open`. Prices and caps are checked against the SKUs."""
        serializer = ChainCreateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        chain = services.chain_create(
            leader=_user(request),
            community=data["community"],
            details=services.ChainDetails(
                title=data["title"],
                description=data["description"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                fulfilment=data["fulfilment"],
                min_group_size=data["min_group_size"],
                members_only=data["members_only"],
            ),
            items=[services.ItemSpec(**item) for item in data["items"]],
            pickup_points=data.get("pickup_points", []),
        )
        return self._detail(chain, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: ChainDetailOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        """Start taking orders (draft → open)."""
        chain = services.chain_open(chain=self.get_object(), actor=_user(request))
        return self._detail(chain)

    @extend_schema(
        request=None,
        responses={200: ChainDetailOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Stop taking orders now (open → closed); below the group size, orders are unwound."""
        chain = services.chain_close(chain=self.get_object(), actor=_user(request))
        return self._detail(chain)

    @extend_schema(
        request=ChainCancelInputSerializer,
        responses={
            200: ChainDetailOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str) -> Response:
        """Call the chain off: unpaid orders are cancelled, paid ones refunded in full."""
        serializer = ChainCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        chain = services.chain_cancel(
            chain=self.get_object(),
            actor=_user(request),
            reason=serializer.validated_data["reason"],
        )
        return self._detail(chain)


# --- Entries --------------------------------------------------------------------------------


class ChainEntryFilterBackend(DjangoFilterBackend):
    """EntryFilter offers only the chain's own pickup points; hand it the chain."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view), "chain": view.chain}


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("chain_pk", int, OpenApiParameter.PATH)],
        responses={200: EntryOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
)
class ChainEntryViewSet(GenericViewSet[ChainEntry]):
    """A chain's entries (接龙记录) in sequence, each with its order and lines."""

    queryset = ChainEntry.objects.none()  # the model, for the schema; get_queryset scopes it
    filter_backends = [ChainEntryFilterBackend]
    filterset_class = EntryFilter

    @cached_property
    def chain(self) -> Chain:
        return selectors.chain_for_leader(
            user=_user(self.request), chain_id=int(self.kwargs["chain_pk"])
        )

    def get_queryset(self) -> QuerySet[ChainEntry]:
        return selectors.entries_with_lines(self.chain)

    def list(self, request: Request, chain_pk: str) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = EntryOutputSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


# --- Orders ---------------------------------------------------------------------------------


class OrderViewSet(GenericViewSet[Order]):
    """Orders placed on the chains the user runs, and their transitions."""

    queryset = Order.objects.none()  # the model, for the schema; get_queryset scopes it
    parser_classes = [JSONParser]
    filterset_class = OrderFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.orders_in_chains_led_by(_user(self.request))

    def _detail(self, order: Order) -> Response:
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(OrderInChainOutputSerializer(fresh).data)

    @extend_schema(responses={200: OrderInChainOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OrderInChainOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: OrderInChainOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrderInChainOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=OrderMarkPaidInputSerializer,
        responses={
            200: OrderInChainOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], url_path="mark-paid")
    @idempotent
    def mark_paid(self, request: Request, pk: str) -> Response:
        """The buyer paid the leader (pending_payment → paid)."""
        serializer = OrderMarkPaidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payments.payment_record_offline(
            order=self.get_object(),
            actor=_user(request),
            method=serializer.validated_data["method"],
        )
        return self._detail(payment.order)

    @extend_schema(
        request=None,
        responses={200: OrderInChainOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="mark-ready")
    def mark_ready(self, request: Request, pk: str) -> Response:
        """The goods are at the pickup point (paid → ready_for_pickup)."""
        order = orders.order_mark_ready(order=self.get_object(), actor=_user(request))
        return self._detail(order)

    @extend_schema(
        request=None,
        responses={200: OrderInChainOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """The buyer collected the goods (自提核销)."""
        order = orders.order_complete(order=self.get_object(), actor=_user(request))
        return self._detail(order)

    @extend_schema(
        request=OrderCancelInputSerializer,
        responses={
            200: OrderInChainOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel an unpaid order and give its stock back; a paid order is refunded instead."""
        serializer = OrderCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = orders.order_cancel(
            order=self.get_object(),
            actor=_user(request),
            reason=serializer.validated_data["reason"],
        )
        return self._detail(order)

    @extend_schema(
        request=OrderRefundInputSerializer,
        responses={
            201: RefundOutputSerializer,
            202: OpenApiResponse(
                ErrorSerializer,
                description="Paid through WeChat Pay: the refund is on its way back and is "
                "recorded on the order when WeChat Pay confirms it (code refund_processing).",
            ),
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def refund(self, request: Request, pk: str) -> Response:
        """Refund some lines or the whole rest of the order: in cash (recorded), or back through
        WeChat Pay when the order was paid that way."""
        serializer = OrderRefundInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quantities: Counter[int] | None = None
        if "lines" in data:
            quantities = Counter()
            for line in data["lines"]:
                quantities[line["line"]] += line["quantity"]
        outcome = payments.order_refund_request(
            order=self.get_object(),
            actor=_user(request),
            reason=data["reason"],
            quantities=quantities,
            restock=data["restock"],
        )
        refund = outcome.order_refund
        if refund is None:
            message = _("已向微信支付申请退款 ¥%(amount)s，退回后自动记入订单")
            return Response(
                {"code": "refund_processing", "message": message % {"amount": outcome.amount}},
                status=status.HTTP_202_ACCEPTED,
            )
        refund.order = self.get_queryset().get(pk=refund.order_id)
        return Response(RefundOutputSerializer(refund).data, status=status.HTTP_201_CREATED)


# --- A member's own orders ------------------------------------------------------------------


class OrderItemInputSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(min_value=1, max_value=MAX_INT, help_text="A chain item id.")
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class OrderPlaceInputSerializer(serializers.Serializer[Any]):
    chain = serializers.SlugField(max_length=16, help_text="The chain's slug, as in /c/<slug>/.")
    items = OrderItemInputSerializer(many=True, allow_empty=False, help_text="Up to 30 lines.")
    contact_name = serializers.CharField(max_length=32)
    contact_phone = serializers.CharField(max_length=20)
    pickup_point = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    coupon_code = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    referral_code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="A distributor's code from the link the member followed.",
    )

    def validate_contact_phone(self, value: str) -> str:
        return normalize_phone(value)

    def validate_items(self, value: list[dict[str, int]]) -> list[dict[str, int]]:
        if len(value) > 30:
            raise serializers.ValidationError(_("一次最多下单 30 种商品"))
        if len({item["item"] for item in value}) != len(value):
            raise serializers.ValidationError(_("同一商品请只填一次"))
        return value


class OrderPayInputSerializer(serializers.Serializer[Any]):
    provider = serializers.ChoiceField(
        choices=Payment.Provider.choices,
        help_text="wechat_native answers a code_url to show as a QR code; wechat_jsapi needs "
        "payer_openid; sandbox exists only in demos.",
    )
    payer_openid = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class CheckoutOutputSerializer(serializers.Serializer[Any]):
    payment = serializers.IntegerField(source="payment.pk")
    provider = serializers.CharField(source="payment.provider")
    status = serializers.CharField(source="payment.status")
    amount = serializers.DecimalField(source="payment.amount", max_digits=12, decimal_places=2)
    code_url = serializers.CharField(help_text="wechat_native: the QR code's content.")
    jsapi_params = serializers.DictField(
        child=serializers.CharField(), help_text="wechat_jsapi: WeixinJSBridge's parameters."
    )


class MyOrderViewSet(GenericViewSet[Order]):
    """The requesting member's own orders: place one on a chain, see them, pay online.

    A bot or mini-program places orders here; send an Idempotency-Key so a retry after a
    timeout returns the first order instead of a second one."""

    queryset = Order.objects.none()  # the model, for the schema; get_queryset scopes it
    parser_classes = [JSONParser]
    filterset_class = MyOrderFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Order]:
        return (
            Order.objects.filter(buyer=_user(self.request))
            .select_related("chain_entry")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        )

    @extend_schema(responses={200: OrderInChainOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OrderInChainOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: OrderInChainOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrderInChainOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=OrderPlaceInputSerializer,
        responses={
            201: OrderInChainOutputSerializer,
            **_INVALID,
            **_AUTH,
            404: OpenApiResponse(ErrorSerializer, description="No such published chain."),
            **_CONFLICT,
        },
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Order on an open chain (群接龙下单): takes the next 接龙序号 and the stock."""
        serializer = OrderPlaceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        chain = selectors.chain_by_slug(data["chain"])
        pickup_point = None
        if data["pickup_point"] is not None:
            pickup_point = chain.pickup_points.filter(pk=data["pickup_point"]).first()
            if pickup_point is None:
                raise serializers.ValidationError({"pickup_point": [_("请选择这个接龙的自提点")]})
        entry = services.chain_order_place(
            chain=chain,
            buyer=_user(request),
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            quantities={item["item"]: item["quantity"] for item in data["items"]},
            pickup_point=pickup_point,
            submission_token=submission_token_for(request),
            note=data["note"],
            referral_code=data["referral_code"],
            coupon_code=data["coupon_code"],
        )
        order = self.get_queryset().get(pk=entry.order_id)
        return Response(OrderInChainOutputSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OrderPayInputSerializer,
        responses={200: CheckoutOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request: Request, pk: str) -> Response:
        """Start paying a pending order online; the order turns paid when the provider's
        notification arrives (see GET on the order)."""
        serializer = OrderPayInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checkout = payments.payment_start(
            order=self.get_object(),
            provider=serializer.validated_data["provider"],
            payer_openid=serializer.validated_data["payer_openid"],
        )
        return Response(CheckoutOutputSerializer(checkout).data)
