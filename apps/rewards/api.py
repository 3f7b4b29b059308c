"""The rewards JSON API: a member's check-in, points and coupons; a leader's coupon templates.

Input serializers check shape, services decide and write, output serializers render. A community
the user does not belong to (or, for templates, does not run) is a 404, never a 403 that would
tell it exists.
"""

from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
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
from apps.communities.models import Community, Membership
from apps.communities.selectors import communities_managed_by
from apps.core.api import ErrorSerializer
from apps.core.errors import InvalidInput
from apps.rewards import selectors, services
from apps.rewards.models import CheckIn, Coupon, CouponTemplate, PointsEntry

MAX_INT = 2**31 - 1

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not one of your communities.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}
_COMMUNITY = OpenApiParameter("community_pk", int, OpenApiParameter.PATH)


def _user(request: Request) -> User:
    return cast(User, request.user)


# --- Input ----------------------------------------------------------------------------------


class CouponTemplateInputSerializer(serializers.Serializer[Any]):
    community = serializers.IntegerField(help_text="A community you own or administer.")
    name = serializers.CharField(max_length=64)
    discount_kind = serializers.ChoiceField(choices=CouponTemplate.DiscountKind.choices)
    amount_off = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    percent_off = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True, default=None
    )
    min_spend = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), default=Decimal("0.00")
    )
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    valid_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, allow_null=True, default=None
    )
    total_quantity = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    points_price = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, required=False, allow_null=True, default=None
    )


class CouponIssueInputSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text="Id of a current member of the community.")


class LeaderboardQuerySerializer(serializers.Serializer[Any]):
    period = serializers.ChoiceField(choices=[("month", "month"), ("all", "all")], default="month")


# --- Output ---------------------------------------------------------------------------------


class PointsSummaryOutputSerializer(serializers.Serializer[Any]):
    balance = serializers.IntegerField()
    streak = serializers.IntegerField(help_text="Consecutive days checked in, up to today.")
    checked_in_today = serializers.BooleanField()


class CheckInOutputSerializer(serializers.ModelSerializer[CheckIn]):
    class Meta:
        model = CheckIn
        fields = ["id", "community", "day", "streak", "points", "created_at"]
        read_only_fields = fields


class CheckInResultOutputSerializer(serializers.Serializer[Any]):
    created = serializers.BooleanField(help_text="False: already checked in today.")
    check_in = CheckInOutputSerializer()
    summary = PointsSummaryOutputSerializer()


class PointsEntryOutputSerializer(serializers.ModelSerializer[PointsEntry]):
    class Meta:
        model = PointsEntry
        fields = ["id", "kind", "reason", "points", "created_at"]
        read_only_fields = fields


class LeaderboardRowOutputSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    points = serializers.IntegerField()


class CouponTemplateOutputSerializer(serializers.ModelSerializer[CouponTemplate]):
    terms = serializers.CharField(read_only=True)

    class Meta:
        model = CouponTemplate
        fields = [
            "id",
            "community",
            "name",
            "discount_kind",
            "amount_off",
            "percent_off",
            "min_spend",
            "terms",
            "valid_from",
            "valid_until",
            "valid_days",
            "total_quantity",
            "issued_count",
            "points_price",
            "active",
            "created_at",
        ]
        read_only_fields = fields


class CouponOutputSerializer(serializers.ModelSerializer[Coupon]):
    name = serializers.CharField(source="template.name", read_only=True)
    terms = serializers.CharField(source="template.terms", read_only=True)
    min_spend = serializers.DecimalField(
        source="template.min_spend", max_digits=12, decimal_places=2, read_only=True
    )

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "community",
            "name",
            "terms",
            "min_spend",
            "status",
            "valid_from",
            "expires_at",
            "used_at",
            "issued_at",
        ]
        read_only_fields = fields


# --- A member's rewards in one community ----------------------------------------------------


@extend_schema_view(
    balance=extend_schema(
        parameters=[_COMMUNITY],
        responses={200: PointsSummaryOutputSerializer, **_AUTH, **_NOT_FOUND},
    ),
    check_in=extend_schema(
        parameters=[_COMMUNITY],
        request=None,
        responses={
            201: CheckInResultOutputSerializer,
            200: CheckInResultOutputSerializer,
            **_AUTH,
            **_NOT_FOUND,
        },
    ),
    leaderboard=extend_schema(
        parameters=[_COMMUNITY, LeaderboardQuerySerializer],
        responses={200: LeaderboardRowOutputSerializer(many=True), **_AUTH, **_NOT_FOUND},
    ),
    points=extend_schema(
        parameters=[_COMMUNITY],
        responses={200: PointsEntryOutputSerializer(many=True), **_AUTH, **_NOT_FOUND},
    ),
)
class CommunityRewardsViewSet(GenericViewSet[PointsEntry]):
    """The requesting member's check-ins and points in one community they belong to."""

    queryset = PointsEntry.objects.none()  # the model, for the schema
    parser_classes = [JSONParser]
    filter_backends: list[Any] = []

    @cached_property
    def community(self) -> Community:
        return selectors.community_for_member(
            user=_user(self.request), community_id=int(self.kwargs["community_pk"])
        )

    def _summary(self) -> dict[str, Any]:
        summary = selectors.points_summary(community=self.community, user=_user(self.request))
        return dict(PointsSummaryOutputSerializer(summary).data)

    @action(detail=False, methods=["get"])
    def balance(self, request: Request, community_pk: str) -> Response:
        """Points balance, current streak and whether today is done."""
        return Response(self._summary())

    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, community_pk: str) -> Response:
        """Check in for today (Asia/Shanghai). A repeat the same day changes nothing (200)."""
        result = services.check_in_record(community=self.community, user=_user(request))
        body = {
            "created": result.created,
            "check_in": CheckInOutputSerializer(result.check_in).data,
            "summary": self._summary(),
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)

    @action(detail=False, methods=["get"])
    def leaderboard(self, request: Request, community_pk: str) -> Response:
        """The community's top members by points earned this month or ever."""
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = selectors.month_start() if query.validated_data["period"] == "month" else None
        rows = selectors.leaderboard(community=self.community, since=since)
        return Response(LeaderboardRowOutputSerializer(rows, many=True).data)

    @action(detail=False, methods=["get"])
    def points(self, request: Request, community_pk: str) -> Response:
        """The member's points ledger, newest first."""
        entries = selectors.points_entries(community=self.community, user=_user(request))
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(PointsEntryOutputSerializer(page, many=True).data)


# --- A member's coupons ---------------------------------------------------------------------


class CouponViewSet(GenericViewSet[Coupon]):
    """The requesting user's own coupons, in every community."""

    queryset = Coupon.objects.none()  # the model, for the schema; get_queryset scopes it
    filterset_fields = ["status", "community"]
    ordering_fields = ["expires_at", "issued_at"]

    def get_queryset(self) -> QuerySet[Coupon]:
        return selectors.coupons_of(user=_user(self.request))

    @extend_schema(responses={200: CouponOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CouponOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CouponOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CouponOutputSerializer(self.get_object()).data)


# --- A leader's coupon templates ------------------------------------------------------------


class CouponTemplateViewSet(GenericViewSet[CouponTemplate]):
    """Coupon templates of the communities the user owns or administers, and issuing them."""

    queryset = CouponTemplate.objects.none()  # the model, for the schema; scoped below
    parser_classes = [JSONParser]
    filterset_fields = ["community", "active"]
    ordering_fields = ["created_at", "valid_until"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[CouponTemplate]:
        return CouponTemplate.objects.filter(
            community__in=communities_managed_by(_user(self.request))
        )

    @extend_schema(responses={200: CouponTemplateOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CouponTemplateOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CouponTemplateOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CouponTemplateOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=CouponTemplateInputSerializer,
        responses={201: CouponTemplateOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    def create(self, request: Request) -> Response:
        serializer = CouponTemplateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = selectors.community_for_manager(
            user=_user(request), community_id=data.pop("community")
        )
        template = services.coupon_template_create(
            community=community, actor=_user(request), terms=services.CouponTerms(**data)
        )
        return Response(
            CouponTemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=CouponIssueInputSerializer,
        responses={201: CouponOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str) -> Response:
        """Give one coupon from this template to a current member of its community."""
        template = self.get_object()
        serializer = CouponIssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = (
            Membership.objects.select_related("user")
            .filter(community_id=template.community_id, user_id=serializer.validated_data["user"])
            .first()
        )
        if membership is None:
            raise InvalidInput(_("只能发给本群成员"), field="user")
        coupon = services.coupon_issue(
            template=template, owner=membership.user, actor=_user(request)
        )
        return Response(CouponOutputSerializer(coupon).data, status=status.HTTP_201_CREATED)
