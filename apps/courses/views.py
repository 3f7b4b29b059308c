"""The member's side: the course page and its pay step, lessons with progress, and bookings."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.communities.models import Community
from apps.core.errors import DomainError
from apps.courses import selectors, services
from apps.courses.forms import ProgressForm
from apps.courses.models import Booking, Cohort, Course, CoursePurchase, Lesson
from apps.orders.models import Order


def _course(course_id: int) -> Course:
    return get_object_or_404(
        Course.objects.select_related("sku", "community", "merchant"), pk=course_id, active=True
    )


def course_page(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _course(course_id)
    now = timezone.now()
    enrollment = selectors.enrollment_of(user=request.user, course=course)
    track(
        "course_viewed",
        actor=request.user,
        community=course.community_id,
        subject=course,
    )
    return render(
        request,
        "courses/course_page.html",
        {
            "course": course,
            "enrollment": enrollment,
            "syllabus": selectors.course_syllabus(course=course, enrollment=enrollment, now=now),
            "cohorts": [c for c in course.cohorts.all() if c.is_open(now)],
            "has_cohorts": course.cohorts.exists(),
            "group": request.GET.get("g", ""),
        },
    )


@login_required
@require_POST
def course_buy(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _course(course_id)
    cohort = Cohort.objects.filter(course=course, pk=request.POST.get("cohort") or 0).first()
    group = request.POST.get("g") or ""
    community = Community.objects.filter(pk=group).first() if group.isdigit() else None
    try:
        order = services.course_buy(
            course=course,
            buyer=request.user,  # type: ignore[arg-type]
            cohort=cohort,
            community=community,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("courses:course", course_id=course.pk)
    return redirect("courses:order", order_id=order.pk)


@login_required
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    """The pay step of a course or coaching order: the buyer's own, anyone else's is a 404."""
    order = get_object_or_404(
        Order.objects.select_related("community__owner"), pk=order_id, buyer=request.user
    )
    purchase = CoursePurchase.objects.filter(order=order).select_related("course").first()
    booking = Booking.objects.filter(order=order).select_related("session").first()
    if purchase is None and booking is None:
        raise Http404(_("订单不存在"))
    return render(
        request,
        "courses/order.html",
        {"order": order, "purchase": purchase, "booking": booking, "lines": order.lines.all()},
    )


def lesson_page(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(
        Lesson.objects.select_related("course"), pk=lesson_id, course__active=True
    )
    enrollment = selectors.enrollment_of(user=request.user, course=lesson.course)
    access = services.lesson_access(lesson=lesson, enrollment=enrollment)
    if not access.readable:
        return render(
            request,
            "courses/lesson_locked.html",
            {"lesson": lesson, "course": lesson.course, "access": access},
            status=403,
        )
    if access.reason == "trial":
        track(
            "trial_lesson_opened",
            actor=request.user,
            community=lesson.course.community_id,
            subject=lesson,
            properties={"course": lesson.course_id},
        )
    progress = enrollment.progress.filter(lesson=lesson).first() if enrollment else None
    return render(
        request,
        "courses/lesson.html",
        {"lesson": lesson, "course": lesson.course, "enrollment": enrollment, "progress": progress},
    )


@login_required
@require_POST
def lesson_progress(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """Called by the lesson page every few seconds and once on completion."""
    lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=lesson_id)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"code": "invalid", "message": _("参数不正确")}, status=400)
    enrollment = selectors.enrollment_of(user=request.user, course=lesson.course)
    if enrollment is None:
        return JsonResponse({"code": "forbidden", "message": _("报名后才能记录进度")}, status=403)
    try:
        progress = services.progress_record(
            enrollment=enrollment,
            lesson=lesson,
            position_seconds=form.cleaned_data["position"],
            completed=form.cleaned_data["completed"],
        )
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse(
        {"position": progress.position_seconds, "completed": progress.completed_at is not None}
    )


@login_required
def sessions_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    bookings = list(selectors.bookings_of(user))
    booked = {booking.session_id for booking in bookings}
    return render(
        request,
        "courses/sessions.html",
        {
            "sessions": [s for s in selectors.sessions_for_member(user) if s.pk not in booked],
            "bookings": bookings,
            "cancel_hours": settings.COURSES_CANCEL_HOURS,
        },
    )


@login_required
@require_POST
def session_book(request: HttpRequest, session_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    session = get_object_or_404(
        selectors.sessions_for_member(user).select_related("sku"), pk=session_id
    )
    try:
        if session.price is not None:
            order = services.session_buy(session=session, buyer=user)
            return redirect("courses:order", order_id=order.pk)
        services.session_book(session=session, user=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("预约成功"))
    return redirect("courses:sessions")


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, user=request.user)
    try:
        services.booking_cancel(booking=booking, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已取消预约"))
    return redirect("courses:sessions")
