"""Read-only API: a funnel query, and the figures behind each dashboard.

Every answer is scoped like the pages: a scope the user may not see is a 404. Input serializers
check the query string; the runner's own rules (steps, window, range) answer 400 with a field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.api import ErrorSerializer
from apps.reports import dashboards
from apps.reports.definitions import SCOPES, FunnelKind, Scope, ScopeKind, builtin_funnel_run
from apps.reports.funnel import MAX_DROPOFFS, FunnelResult
from apps.reports.scopes import scope_require

MAX_ID = 2**63 - 1
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid query"),
    403: OpenApiResponse(ErrorSerializer, description="Not signed in"),
    404: OpenApiResponse(ErrorSerializer, description="Not in the user's scope"),
}


def _user(request: Request) -> User:
    return cast(User, request.user)


class RangeInput(serializers.Serializer[Any]):
    date_from = serializers.DateField(
        required=False, help_text="First local day; default 30 days before date_to."
    )
    date_to = serializers.DateField(
        required=False, help_text="Last local day (inclusive); default today."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        date_to = attrs.get("date_to") or timezone.localdate()
        attrs["date_to"] = date_to
        attrs["date_from"] = attrs.get("date_from") or date_to - dt.timedelta(days=29)
        return attrs


class FunnelInput(RangeInput):
    kind = serializers.ChoiceField(choices=FunnelKind.choices)
    scope = serializers.ChoiceField(choices=ScopeKind.choices)
    scope_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    window_minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=400 * 24 * 60,
        help_text="Conversion window; default per funnel kind.",
    )
    dropoffs = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_DROPOFFS,
        default=0,
        help_text="People listed per drop-off step.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["scope"] not in SCOPES[attrs["kind"]]:
            raise serializers.ValidationError({"scope": _("这个漏斗不能按该范围查询")})
        return attrs


class StepOutput(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    event = serializers.CharField()
    count = serializers.IntegerField()
    conversion_from_previous = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True
    )
    median_seconds_from_previous = serializers.FloatField(allow_null=True)
    dropped = serializers.IntegerField()
    dropoffs = serializers.ListField(child=serializers.CharField())


class FunnelOutput(serializers.Serializer[Any]):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    window_seconds = serializers.SerializerMethodField()
    steps = StepOutput(many=True)
    overall_conversion = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    median_seconds_to_convert = serializers.FloatField(allow_null=True)

    def get_window_seconds(self, result: FunnelResult) -> int:
        return int(result.window.total_seconds())


class FunnelView(APIView):
    @extend_schema(
        summary="Run a funnel",
        description="Counts per step, step and overall conversion, median times and drop-offs "
        "for one chain, course, campaign, community, leader or merchant over a date range.",
        parameters=[FunnelInput],
        responses={200: FunnelOutput, **ERRORS},
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        data = _valid(FunnelInput, request)
        scope = Scope(data["scope"], data["scope_id"])
        scope_require(user=_user(request), scope=scope)
        minutes = data.get("window_minutes")
        result = builtin_funnel_run(
            kind=data["kind"],
            scope=scope,
            date_from=data["date_from"],
            date_to=data["date_to"],
            window=dt.timedelta(minutes=minutes) if minutes else None,
            dropoff_limit=data["dropoffs"],
        )
        return Response(FunnelOutput(result).data)


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ChartOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    title = serializers.CharField()
    header = serializers.ListField(child=serializers.CharField())
    rows = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "array",
                # A cell is a count or a share (number), a label, date or amount
                # (string), or empty (null) — as in the CSV download.
                "items": {
                    "anyOf": [{"type": "number"}, {"type": "string"}],
                    "nullable": True,
                },
            },
        }
    )
    def get_rows(self, chart: dashboards.Chart) -> list[list[Any]]:
        """Cells as in the CSV: integers stay numbers, decimals and dates are strings."""
        return [[_cell(cell) for cell in row] for row in chart.rows]


def _cell(cell: Any) -> Any:
    if cell is None or isinstance(cell, int | float):
        return cell
    return str(cell)


class DashboardInput(RangeInput):
    scope = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Community, merchant or campaign id.",
    )
    chain = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class DashboardOutput(serializers.Serializer[Any]):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    scope_id = serializers.IntegerField(allow_null=True)
    charts = ChartOutput(many=True)


class LeaderDashboardView(APIView):
    @extend_schema(
        summary="Leader dashboard figures",
        description="The chain funnel, daily conversion, repurchase, churn, retention and "
        "average order value behind the leader dashboard, as tables (the CSV downloads' rows).",
        parameters=[DashboardInput],
        responses={200: DashboardOutput, **ERRORS},
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        data = _valid(DashboardInput, request)
        board = dashboards.leader_dashboard(
            user=_user(request),
            date_from=data["date_from"],
            date_to=data["date_to"],
            community_id=data.get("scope"),
            chain_id=data.get("chain"),
        )
        board_scope = board.community.pk if board.community else None
        return Response(_board(board, board_scope))


class MerchantDashboardView(APIView):
    @extend_schema(
        summary="Merchant dashboard figures",
        description="Per product paid orders, units, revenue and daily revenue; the funnel of "
        "the chains selling the merchant's products.",
        parameters=[DashboardInput],
        responses={200: DashboardOutput, **ERRORS},
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        data = _valid(DashboardInput, request)
        board = dashboards.merchant_dashboard(
            user=_user(request),
            date_from=data["date_from"],
            date_to=data["date_to"],
            merchant_id=data.get("scope"),
        )
        return Response(_board(board, board.merchant.pk if board.merchant else None))


class CampaignDashboardView(APIView):
    @extend_schema(
        summary="Campaign dashboard figures",
        description="The ad funnel (impression → click → order → paid) and daily CTR of one "
        "campaign the user may see (advertisers their own, operations all).",
        parameters=[DashboardInput],
        responses={200: DashboardOutput, **ERRORS},
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        data = _valid(DashboardInput, request)
        board = dashboards.campaign_dashboard(
            user=_user(request),
            date_from=data["date_from"],
            date_to=data["date_to"],
            campaign_id=data.get("scope"),
        )
        return Response(_board(board, board.campaign.pk if board.campaign else None))


def _board(board: Any, scope_id: int | None) -> dict[str, Any]:
    return dict(
        DashboardOutput(
            {
                "date_from": board.date_from,
                "date_to": board.date_to,
                "scope_id": scope_id,
                "charts": list(board.charts.values()),
            }
        ).data
    )
