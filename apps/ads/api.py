"""The ads read API: an advertiser's campaigns and each campaign's report.

Campaigns are scoped by `selectors.campaigns_visible_to`: advertiser users see their advertisers'
campaigns, operations every one; another advertiser's campaign is a 404, never a 403.
"""

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.ads import selectors
from apps.ads.models import Campaign
from apps.core.api import ErrorSerializer
from apps.core.errors import InvalidInput

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not a campaign you may see.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}


def _user(request: Request) -> User:
    return cast(User, request.user)


class ReportInputSerializer(serializers.Serializer[Any]):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)


class CampaignOutputSerializer(serializers.ModelSerializer[Campaign]):
    advertiser_name = serializers.CharField(source="advertiser.name")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "advertiser",
            "advertiser_name",
            "name",
            "pricing",
            "price",
            "total_budget",
            "daily_budget",
            "starts_at",
            "ends_at",
            "target_kinds",
            "min_members",
            "max_members",
            "frequency_cap",
            "pacing",
            "status",
        ]
        read_only_fields = fields


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class MetricsOutputSerializer(serializers.Serializer[Any]):
    impressions = serializers.IntegerField()
    reach = serializers.IntegerField(
        allow_null=True,
        help_text="A day: distinct viewers. A community: viewer-days (sum of daily reach).",
    )
    clicks = serializers.IntegerField()
    orders = serializers.IntegerField()
    conversions = serializers.IntegerField(help_text="Paid orders attributed to a click.")
    spend = _money(source="spend_yuan")
    ctr = _money(allow_null=True, help_text="Percent, clicks / impressions from the sums.")
    cpm = _money(allow_null=True, help_text="Yuan per thousand impressions, from the sums.")
    cpa = _money(allow_null=True, help_text="Yuan per paid order.")
    conversion_rate = _money(allow_null=True, help_text="Percent, paid orders / clicks.")


class DayOutputSerializer(MetricsOutputSerializer):
    day = serializers.DateField()


class CommunityOutputSerializer(MetricsOutputSerializer):
    community_id = serializers.IntegerField()
    name = serializers.CharField()


class CampaignReportOutputSerializer(serializers.Serializer[Any]):
    campaign = CampaignOutputSerializer()
    start = serializers.DateField()
    end = serializers.DateField()
    total = MetricsOutputSerializer()
    days = DayOutputSerializer(many=True)
    communities = CommunityOutputSerializer(many=True)


def _flatten(metrics: selectors.Metrics, **extra: Any) -> dict[str, Any]:
    return {
        "impressions": metrics.impressions,
        "reach": metrics.reach,
        "clicks": metrics.clicks,
        "orders": metrics.orders,
        "conversions": metrics.conversions,
        "spend_yuan": metrics.spend_yuan,
        "ctr": metrics.ctr,
        "cpm": metrics.cpm,
        "cpa": metrics.cpa,
        "conversion_rate": metrics.conversion_rate,
        **extra,
    }


class CampaignViewSet(GenericViewSet[Campaign]):
    """The user's advertisers' campaigns (operations: all)."""

    queryset = Campaign.objects.none()
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible_to(_user(self.request)).order_by("-starts_at", "-id")

    @extend_schema(responses={200: CampaignOutputSerializer(many=True), **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CampaignOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CampaignOutputSerializer(self.get_object()).data)

    @extend_schema(
        parameters=[ReportInputSerializer],
        responses={200: CampaignReportOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        """Per day and per community: impressions, reach, clicks, CTR, spend, CPM, conversions.
        Ratios are computed from the sums. Default period: the flight so far (at most 92 days)."""
        campaign = self.get_object()
        params = ReportInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]
        if start and end and start > end:
            raise InvalidInput(_("开始日期不能晚于结束日期"), field="start")
        report = selectors.campaign_report(campaign, start=start, end=end)
        data = {
            "campaign": campaign,
            "start": report.start,
            "end": report.end,
            "total": _flatten(report.total),
            "days": [_flatten(m, day=day) for day, m in report.days],
            "communities": [
                _flatten(row.metrics, community_id=row.community_id, name=row.name)
                for row in report.communities
            ],
        }
        return Response(CampaignReportOutputSerializer(data).data)
