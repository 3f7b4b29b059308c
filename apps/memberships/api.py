"""The memberships JSON API: plans on sale, buying and trials, a member's own subscriptions, and
a leader's plans and members.

Input serializers check shape, services decide and write, output serializers render. Plans and
members of a community the user does not run are a 404, never a 403 that would tell it exists.
"""

from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import User
from apps.communities.selectors import communities_managed_by
from apps.core.api import ErrorSerializer
from apps.core.idempotency import idempotent
from apps.memberships import selectors, services
from apps.memberships.models import MembershipPlan, Period, Subscription, SubscriptionPeriod
from apps.memberships.services import MAX_TRIAL_DAYS
from apps.orders.models import Order
from apps.rewards.models import CouponTemplate

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such plan for you.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}


def _user(request: Request) -> User:
    return cast(User, request.user)


# --- Input ----------------------------------------------------------------------------------


class PlanTermsInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    benefits = serializers.CharField(required=False, allow_blank=True, default="")
    trial_days = serializers.IntegerField(min_value=0, max_value=MAX_TRIAL_DAYS, default=0)
    monthly_coupon = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A coupon template id."
    )
    active = serializers.BooleanField(default=True)


class PlanCreateInputSerializer(PlanTermsInputSerializer):
    community = serializers.IntegerField(help_text="A community you own or administer.")
    period = serializers.ChoiceField(choices=Period.choices)


# --- Output ---------------------------------------------------------------------------------


class PlanOutputSerializer(serializers.ModelSerializer[MembershipPlan]):
    class Meta:
        model = MembershipPlan
        fields = [
            "id",
            "community",
            "name",
            "period",
            "price",
            "benefits",
            "trial_days",
            "monthly_coupon",
            "active",
            "created_at",
        ]
        read_only_fields = fields


class PeriodOutputSerializer(serializers.ModelSerializer[SubscriptionPeriod]):
    class Meta:
        model = SubscriptionPeriod
        fields = ["id", "kind", "order", "period", "price", "starts_at", "ends_at", "revoked_at"]
        read_only_fields = fields


class SubscriptionOutputSerializer(serializers.ModelSerializer[Subscription]):
    periods = PeriodOutputSerializer(many=True, read_only=True)
    community = serializers.IntegerField(source="plan.community_id", read_only=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "plan",
            "community",
            "status",
            "starts_at",
            "ends_at",
            "price",
            "period",
            "periods",
        ]
        read_only_fields = fields


class SubscriberOutputSerializer(serializers.ModelSerializer[Subscription]):
    user = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.CharField(source="user.shown_name", read_only=True)
    purchases = serializers.IntegerField(read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "user", "name", "plan", "status", "starts_at", "ends_at", "purchases"]
        read_only_fields = fields


class MembershipOrderOutputSerializer(serializers.ModelSerializer[Order]):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Order
        fields = ["id", "number", "status", "total_amount", "created_at"]
        read_only_fields = fields


# --- Plans on sale: viewing, buying, trials -------------------------------------------------


class MembershipPlanViewSet(GenericViewSet[MembershipPlan]):
    """Plans on sale in any community (a plan page is shared in the group), and buying them."""

    queryset = MembershipPlan.objects.none()  # the model, for the schema; scoped below
    parser_classes = [JSONParser]
    filterset_fields = ["community", "period"]
    ordering_fields = ["price", "created_at"]
    ordering = ["price", "id"]

    def get_queryset(self) -> QuerySet[MembershipPlan]:
        return MembershipPlan.objects.filter(active=True, community__dissolved_at=None)

    @extend_schema(responses={200: PlanOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PlanOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: PlanOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PlanOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={
            201: MembershipOrderOutputSerializer,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def purchase(self, request: Request, pk: str) -> Response:
        """A pending order for one period; pay it online or to the leader. A member with one
        already waiting for payment gets that order again."""
        plan = cast(MembershipPlan, self.get_object())
        order = services.membership_order_create(plan=plan, buyer=_user(request))
        return Response(MembershipOrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            201: SubscriptionOutputSerializer,
            **_INVALID,
            **_AUTH,
            **_NOT_FOUND,
            **_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def trial(self, request: Request, pk: str) -> Response:
        """Start the plan's free trial (once per member per plan)."""
        plan = cast(MembershipPlan, self.get_object())
        subscription = services.subscription_trial_start(plan=plan, user=_user(request))
        return Response(
            SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED
        )


# --- A member's own subscriptions -----------------------------------------------------------


class SubscriptionViewSet(GenericViewSet[Subscription]):
    """The requesting user's memberships, with their history."""

    queryset = Subscription.objects.none()  # the model, for the schema; scoped below
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "ends_at"]

    def get_queryset(self) -> QuerySet[Subscription]:
        return selectors.subscriptions_of(user=_user(self.request))

    @extend_schema(responses={200: SubscriptionOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SubscriptionOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: SubscriptionOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(SubscriptionOutputSerializer(self.get_object()).data)


# --- A leader's plans and members -----------------------------------------------------------


class ManagedPlanViewSet(GenericViewSet[MembershipPlan]):
    """Plans of the communities the user owns or administers: create, change, see members."""

    queryset = MembershipPlan.objects.none()  # the model, for the schema; scoped below
    parser_classes = [JSONParser]
    filterset_fields = ["community", "active"]
    ordering_fields = ["price", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[MembershipPlan]:
        return MembershipPlan.objects.filter(
            community__in=communities_managed_by(_user(self.request))
        ).select_related("community")

    def _coupon(self, community_id: int, coupon_id: int | None) -> CouponTemplate | None:
        if coupon_id is None:
            return None
        coupon = CouponTemplate.objects.filter(pk=coupon_id, community_id=community_id).first()
        if coupon is None:
            raise serializers.ValidationError({"monthly_coupon": ["No such coupon template."]})
        return coupon

    def _terms(self, data: dict[str, Any], community_id: int) -> services.PlanTerms:
        return services.PlanTerms(
            name=data["name"],
            price=data["price"],
            benefits=data["benefits"],
            trial_days=data["trial_days"],
            monthly_coupon=self._coupon(community_id, data["monthly_coupon"]),
            active=data["active"],
        )

    @extend_schema(responses={200: PlanOutputSerializer, **_INVALID, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PlanOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: PlanOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PlanOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=PlanCreateInputSerializer,
        responses={201: PlanOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    def create(self, request: Request) -> Response:
        serializer = PlanCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = selectors.community_for_manager(
            user=_user(request), community_id=data["community"]
        )
        plan = services.plan_create(
            community=community,
            actor=_user(request),
            period=data["period"],
            terms=self._terms(data, community.pk),
        )
        return Response(PlanOutputSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PlanTermsInputSerializer,
        responses={200: PlanOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    def update(self, request: Request, pk: str) -> Response:
        """Replace the plan's terms; existing subscriptions keep their price and period."""
        plan = cast(MembershipPlan, self.get_object())
        serializer = PlanTermsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = services.plan_update(
            plan=plan, actor=_user(request), terms=self._terms(data, plan.community_id)
        )
        return Response(PlanOutputSerializer(plan).data)

    @extend_schema(responses={200: SubscriberOutputSerializer(many=True), **_AUTH, **_NOT_FOUND})
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str) -> Response:
        """The plan's subscribers, soonest end first, with their number of purchases."""
        plan = cast(MembershipPlan, self.get_object())
        subscriptions = selectors.community_subscriptions(community=plan.community).filter(
            plan=plan
        )
        page = self.paginate_queryset(subscriptions)  # type: ignore[arg-type]  # members, not plans
        return self.get_paginated_response(SubscriberOutputSerializer(page, many=True).data)
