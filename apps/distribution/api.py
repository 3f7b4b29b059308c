"""The distribution API: a distributor's own entries and balance, finance's report.

Entries are scoped by `selectors.entries_visible_to`: a distributor sees only their own rows,
merchant staff the rows of their merchant's distributors, finance every row; anything else is a
404, never a 403 that would tell it exists.
"""

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.catalog.models import Merchant
from apps.core.api import ErrorSerializer
from apps.core.errors import PermissionDenied
from apps.core.spreadsheets import mask_phone
from apps.distribution import selectors
from apps.distribution.models import CommissionEntry, Distributor

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not an entry you may see.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}


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
    net = serializers.DecimalField(max_digits=14, decimal_places=2)
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
