"""Courses' JSON API: managing courses (leaders and merchant staff), buying, sessions and
bookings (members). Managed objects are looked up only among the user's own, so anyone else's
is a 404; services decide everything else and their domain errors become 400/403/404/409."""

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
from apps.catalog.models import Merchant
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.api import ErrorSerializer
from apps.core.idempotency import idempotent
from apps.courses import selectors, services
from apps.courses.models import Booking, Cohort, Course, Lesson, LiveSession
from apps.orders.models import Order

_AUTH = {403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed.")}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not found among yours.")}
_INVALID = {400: OpenApiResponse(ErrorSerializer, description="Invalid input.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not allowed in this state.")}


def _user(request: Request) -> User:
    return cast(User, request.user)


class _ScopedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among what the requesting user may use."""

    def __init__(self, *, scope: Any, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return cast(QuerySet[Any], self.scope(_user(self.context["request"])))


# --- Input ----------------------------------------------------------------------------------


class CourseCreateInputSerializer(serializers.Serializer[Any]):
    community = _ScopedField(
        scope=communities_managed_by,
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="One of your groups; or give `merchant`.",
    )
    merchant = _ScopedField(
        scope=lambda user: Merchant.objects.filter(staff=user),
        queryset=Merchant.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A merchant you work for; or give `community`.",
    )
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    instructor_name = serializers.CharField(max_length=32)
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    seats = serializers.IntegerField(min_value=1, max_value=100000, default=1000)


class LessonCreateInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    video_url = serializers.URLField(required=False, allow_blank=True, default="")
    duration_seconds = serializers.IntegerField(min_value=0, max_value=86400, default=0)
    is_trial = serializers.BooleanField(default=False)
    release = serializers.ChoiceField(choices=Lesson.Release.choices, default="immediate")
    release_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    release_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CourseBuyInputSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(required=False, allow_null=True, default=None)
    community = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A merchant's course: the group whose link the member followed.",
    )


# --- Output ---------------------------------------------------------------------------------


class LessonOutputSerializer(serializers.ModelSerializer[Lesson]):
    class Meta:
        model = Lesson
        fields = [
            "id",
            "position",
            "title",
            "video_url",
            "duration_seconds",
            "is_trial",
            "release",
            "release_days",
            "release_at",
        ]
        read_only_fields = fields


class CohortOutputSerializer(serializers.ModelSerializer[Cohort]):
    class Meta:
        model = Cohort
        fields = ["id", "name", "enrol_opens_at", "enrol_closes_at", "starts_at"]
        read_only_fields = fields


class CourseOutputSerializer(serializers.ModelSerializer[Course]):
    price = serializers.DecimalField(
        source="sku.price", max_digits=12, decimal_places=2, read_only=True
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "instructor_name",
            "community",
            "merchant",
            "price",
            "active",
            "created_at",
        ]
        read_only_fields = fields


class CourseDetailOutputSerializer(CourseOutputSerializer):
    lessons = LessonOutputSerializer(many=True, read_only=True)
    cohorts = CohortOutputSerializer(many=True, read_only=True)

    class Meta(CourseOutputSerializer.Meta):
        fields = [*CourseOutputSerializer.Meta.fields, "lessons", "cohorts"]
        read_only_fields = fields


class LessonCompletionOutputSerializer(serializers.Serializer[Any]):
    lesson = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    completed = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, help_text="Percent.")


class OrderRefOutputSerializer(serializers.ModelSerializer[Order]):
    class Meta:
        model = Order
        fields = ["id", "number", "status", "total_amount"]
        read_only_fields = fields


class SessionOutputSerializer(serializers.ModelSerializer[LiveSession]):
    class Meta:
        model = LiveSession
        fields = [
            "id",
            "title",
            "course",
            "community",
            "starts_at",
            "duration_minutes",
            "capacity",
            "booked_count",
            "price",
        ]
        read_only_fields = fields


class BookingOutputSerializer(serializers.ModelSerializer[Booking]):
    session = SessionOutputSerializer(read_only=True)
    order = OrderRefOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = ["id", "session", "status", "order", "created_at", "cancelled_at"]
        read_only_fields = fields


# --- Viewsets -------------------------------------------------------------------------------


class CourseViewSet(GenericViewSet[Course]):
    """The courses the user manages; `buy` is open to any member for any active course."""

    queryset = Course.objects.none()
    parser_classes = [JSONParser]
    lookup_value_regex = "[0-9]+"
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Course]:
        if self.action == "buy":
            return Course.objects.filter(active=True).select_related("sku")
        courses = selectors.courses_managed_by(_user(self.request)).select_related("sku")
        if self.action == "retrieve":
            return courses.prefetch_related("lessons", "cohorts")
        return courses

    @extend_schema(responses={200: CourseOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CourseOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: CourseDetailOutputSerializer, **_AUTH, **_NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CourseDetailOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=CourseCreateInputSerializer,
        responses={201: CourseOutputSerializer, **_INVALID, **_AUTH},
    )
    def create(self, request: Request) -> Response:
        serializer = CourseCreateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.course_create(
            actor=_user(request),
            community=data["community"],
            merchant=data["merchant"],
            seats=data["seats"],
            details=services.CourseDetails(
                title=data["title"],
                description=data["description"],
                instructor_name=data["instructor_name"],
                price=data["price"],
            ),
        )
        return Response(CourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=LessonCreateInputSerializer,
        responses={201: LessonOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def lessons(self, request: Request, pk: str) -> Response:
        """Append a lesson to the course."""
        serializer = LessonCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lesson = services.lesson_create(
            course=self.get_object(),
            actor=_user(request),
            details=services.LessonDetails(**serializer.validated_data),
        )
        return Response(LessonOutputSerializer(lesson).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: LessonCompletionOutputSerializer(many=True), **_AUTH, **_NOT_FOUND}
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def completion(self, request: Request, pk: str) -> Response:
        """How many active members completed each lesson."""
        rows = selectors.course_completion_by_lesson(course=self.get_object())
        return Response(LessonCompletionOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=CourseBuyInputSerializer,
        responses={201: OrderRefOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def buy(self, request: Request, pk: str) -> Response:
        """A pending order for one seat; pay it through the payments endpoints or the leader."""
        serializer = CourseBuyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = self.get_object()
        data = serializer.validated_data
        order = services.course_buy(
            course=course,
            buyer=_user(request),
            cohort=Cohort.objects.filter(course=course, pk=data["cohort"] or 0).first(),
            community=Community.objects.filter(pk=data["community"] or 0).first(),
        )
        return Response(OrderRefOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class SessionViewSet(GenericViewSet[LiveSession]):
    """Upcoming sessions the member may book: their courses' and their groups'."""

    queryset = LiveSession.objects.none()
    parser_classes = [JSONParser]
    lookup_value_regex = "[0-9]+"
    ordering = ["starts_at", "id"]
    ordering_fields = ["starts_at"]

    def get_queryset(self) -> QuerySet[LiveSession]:
        return selectors.sessions_for_member(_user(self.request)).select_related("sku")

    @extend_schema(responses={200: SessionOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SessionOutputSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={201: BookingOutputSerializer, **_INVALID, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def book(self, request: Request, pk: str) -> Response:
        """A free place is booked at once; a priced one is held with a pending order."""
        session = self.get_object()
        user = _user(request)
        if session.price is not None:
            order = services.session_buy(session=session, buyer=user)
            booking = Booking.objects.select_related("session", "order").get(order=order)
        else:
            booking = services.session_book(session=session, user=user)
        return Response(BookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingViewSet(GenericViewSet[Booking]):
    """The member's own bookings."""

    queryset = Booking.objects.none()
    parser_classes = [JSONParser]
    lookup_value_regex = "[0-9]+"
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Booking]:
        return Booking.objects.filter(user=_user(self.request)).select_related("session", "order")

    @extend_schema(responses={200: BookingOutputSerializer, **_AUTH})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BookingOutputSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={200: BookingOutputSerializer, **_AUTH, **_NOT_FOUND, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Up to COURSES_CANCEL_HOURS before the start."""
        booking = services.booking_cancel(booking=self.get_object(), actor=_user(request))
        fresh = self.get_queryset().get(pk=booking.pk)
        return Response(BookingOutputSerializer(fresh).data)
