"""The distribution API: a distributor's own entries and balance, finance's report.

Entries are scoped by `selectors.entries_visible_to`: a distributor sees only their own rows,
merchant staff the rows of their merchant's distributors, finance every row; anything else is a
404, never a 403 that would tell it exists.
"""

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.accounts.phone import mask_phone
from apps.catalog.models import Merchant
from apps.core.api import ErrorSerializer
from apps.core.errors import PermissionDenied
from apps.core.idempotency import idempotent
from apps.distribution import selectors, services
from apps.distribution.models import CommissionEntry, Distributor, PayoutBatch, PayoutLine

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not an entry you may see.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}


def _user(request: Request) -> User:
    return cast(User, request.user)


# --- Input ----------------------------------------------------------------------------------


class CommissionReportInputSerializer(serializers.Serializer[Any]):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)
    beneficiary = serializers.CharField(max_length=32, required=False, default="")
    merchant = serializers.IntegerField(required=False, allow_null=True, default=None)


class CommissionEntryListInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=CommissionEntry.Kind.choices, required=False, allow_blank=True, default=""
    )


# --- Output ---------------------------------------------------------------------------------


class CommissionEntryOutputSerializer(serializers.ModelSerializer[CommissionEntry]):
    order_number = serializers.SerializerMethodField()

    class Meta:
        model = CommissionEntry
        fields = [
            "id",
            "kind",
            "level",
            "beneficiary",
            "distributor",
            "order",
            "order_number",
            "refund",
            "batch",
            "amount",
            "base_amount",
            "rule_snapshot",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_order_number(self, entry: CommissionEntry) -> str:
        return entry.order.number if entry.order is not None else ""


class DistributorOutputSerializer(serializers.ModelSerializer[Distributor]):
    scope = serializers.CharField(source="scope_name")

    class Meta:
        model = Distributor
        fields = ["id", "code", "status", "community", "merchant", "parent", "scope"]
        read_only_fields = fields


class CommissionBalanceOutputSerializer(serializers.Serializer[Any]):
    pending = serializers.DecimalField(max_digits=14, decimal_places=2)
    frozen = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)


class DistributionMeOutputSerializer(serializers.Serializer[Any]):
    distributors = DistributorOutputSerializer(many=True)
    balance = CommissionBalanceOutputSerializer()


class CommissionReportRowOutputSerializer(serializers.Serializer[Any]):
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    username = serializers.CharField(source="beneficiary__username")
    display_name = serializers.CharField(source="beneficiary__display_name")
    phone = serializers.CharField(help_text="Masked: 138****0001.")
    sales = serializers.DecimalField(max_digits=14, decimal_places=2)
    accrued = serializers.DecimalField(max_digits=14, decimal_places=2)
    reversed = serializers.DecimalField(max_digits=14, decimal_places=2)
    adjusted = serializers.DecimalField(max_digits=14, decimal_places=2)
    ad_share = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The leader's share of ads in their groups."
    )
    net = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="accrued + reversed + adjusted + ad_share"
    )
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)


# --- Views ----------------------------------------------------------------------------------


class CommissionEntryViewSet(GenericViewSet[CommissionEntry]):
    """Commission ledger rows the user may see."""

    queryset = CommissionEntry.objects.none()
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CommissionEntry]:
        return selectors.entries_visible_to(_user(self.request)).order_by("-created_at", "-id")

    @extend_schema(
        parameters=[CommissionEntryListInputSerializer],
        responses={200: CommissionEntryOutputSerializer, **_INVALID, **_AUTH},
    )
    def list(self, request: Request) -> Response:
        params = CommissionEntryListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        entries = self.get_queryset()
        if params.validated_data["kind"]:
            entries = entries.filter(kind=params.validated_data["kind"])
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(CommissionEntryOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CommissionEntryOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CommissionEntryOutputSerializer(self.get_object()).data)

    @extend_schema(responses={200: DistributionMeOutputSerializer, **_AUTH})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """The user's distributor records and commission balance."""
        user = _user(request)
        balance = selectors.balance_of(user)
        data = {
            "distributors": Distributor.objects.filter(user=user).order_by("pk"),
            "balance": balance,
        }
        return Response(DistributionMeOutputSerializer(data).data)

    @extend_schema(
        parameters=[CommissionReportInputSerializer],
        responses={200: CommissionReportRowOutputSerializer(many=True), **_INVALID, **_AUTH},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def report(self, request: Request) -> Response:
        """Per beneficiary for the period: sales, accrued, reversed, net, paid and balance.
        Finance sees everyone, merchant staff their merchant's distributors."""
        user = _user(request)
        if not selectors.is_finance(user) and not Merchant.objects.filter(staff=user).exists():
            raise PermissionDenied("只有财务或商家可以查看报表")
        params = CommissionReportInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = selectors.report_by_beneficiary(
            user,
            selectors.ReportFilters(
                start=data["start"],
                end=data["end"],
                beneficiary=data["beneficiary"],
                merchant_id=data["merchant"],
            ),
        )
        for row in rows:
            row["phone"] = mask_phone(row["beneficiary__phone"] or "")
        return Response(CommissionReportRowOutputSerializer(rows, many=True).data)


# --- Payouts (finance) ----------------------------------------------------------------------


class PayoutBatchCreateInputSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class PayoutBatchMarkPaidInputSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=64, help_text="The bank transfer's reference.")


class PayoutLineOutputSerializer(serializers.ModelSerializer[PayoutLine]):
    class Meta:
        model = PayoutLine
        fields = ["id", "beneficiary", "amount"]
        read_only_fields = fields


class PayoutBatchOutputSerializer(serializers.ModelSerializer[PayoutBatch]):
    lines = PayoutLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "period_start",
            "period_end",
            "status",
            "total_amount",
            "reference",
            "created_by",
            "created_at",
            "reviewed_by",
            "reviewed_at",
            "paid_by",
            "paid_at",
            "lines",
        ]
        read_only_fields = fields


class PayoutBatchViewSet(GenericViewSet[PayoutBatch]):
    """Finance's payout batches: build one from every available balance, review it, mark it
    paid (which writes the payout rows of the ledger). Anyone else sees none."""

    queryset = PayoutBatch.objects.none()
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "total_amount"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[PayoutBatch]:
        if not selectors.is_finance(_user(self.request)):
            return PayoutBatch.objects.none()
        return PayoutBatch.objects.prefetch_related("lines")

    def _detail(self, batch: PayoutBatch, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=batch.pk)
        return Response(PayoutBatchOutputSerializer(fresh).data, status=code)

    @extend_schema(responses={200: PayoutBatchOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PayoutBatchOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: PayoutBatchOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PayoutBatchOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=PayoutBatchCreateInputSerializer,
        responses={201: PayoutBatchOutputSerializer, **_INVALID, **_AUTH, **_CONFLICT},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Finance only: a draft batch of every balance at or above the minimum payout."""
        serializer = PayoutBatchCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.payout_batch_create(
            period_start=serializer.validated_data["period_start"],
            period_end=serializer.validated_data["period_end"],
            actor=_user(request),
        )
        return self._detail(batch, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: PayoutBatchOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """A second pair of eyes: draft → reviewed."""
        batch = services.payout_batch_review(batch=self.get_object(), actor=_user(request))
        return self._detail(batch)

    @extend_schema(
        request=PayoutBatchMarkPaidInputSerializer,
        responses={
            200: PayoutBatchOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], url_path="mark-paid")
    @idempotent
    def mark_paid(self, request: Request, pk: str) -> Response:
        """The money went out (reviewed → paid): each line becomes a payout ledger row."""
        serializer = PayoutBatchMarkPaidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = services.payout_batch_mark_paid(
            batch=self.get_object(),
            actor=_user(request),
            reference=serializer.validated_data["reference"],
        )
        return self._detail(batch)
