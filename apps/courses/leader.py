"""Leaders' and merchant staff's pages: courses, lessons, cohorts, sessions, enrolments and
completion. Everything is loaded among what the user manages: anyone else's is a 404."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error
from apps.courses import selectors, services
from apps.courses.forms import (
    CohortForm,
    CommunitySessionForm,
    CourseCreateForm,
    CourseForm,
    LessonForm,
    SessionForm,
)
from apps.courses.models import Booking, Course, CoursePurchase, Lesson
from apps.orders.models import Order
from apps.payments import services as payments

View = Callable[..., HttpResponse]


def managed_course_view(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, course_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        course = (
            selectors.courses_managed_by(request.user)  # type: ignore[arg-type]
            .select_related("sku", "community", "merchant")
            .filter(pk=course_id)
            .first()
        )
        if course is None:
            raise Http404(_("课程不存在"))
        return view(request, course, *args, **kwargs)

    return wrapper


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CourseCreateForm(request.POST or None, leader=user)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(
                actor=user,
                details=form.details(),
                community=form.cleaned_data["community"],
                merchant=form.cleaned_data["merchant"],
                seats=form.cleaned_data["seats"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("课程已创建，请添加课时"))
            return redirect("courses:leader_course", course_id=course.pk)
    courses = (
        selectors.courses_managed_by(user).select_related("community", "merchant").order_by("-pk")
    )
    return render(request, "courses/leader/course_list.html", {"courses": courses, "form": form})


@managed_course_view
def course_manage(request: HttpRequest, course: Course) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    forms = {
        "course": CourseForm(
            initial={
                "title": course.title,
                "description": course.description,
                "instructor_name": course.instructor_name,
                "price": course.sku.price,
                "active": course.active,
            }
        ),
        "lesson": LessonForm(prefix="lesson"),
        "cohort": CohortForm(prefix="cohort"),
        "session": SessionForm(prefix="session"),
    }
    status = 200
    if request.method == "POST":
        part = request.POST.get("part", "")
        status, done = _course_post(request, user, course, part, forms)
        if done:
            return redirect("courses:leader_course", course_id=course.pk)
    pending = (
        CoursePurchase.objects.filter(course=course, order__status=Order.Status.PENDING_PAYMENT)
        .select_related("order", "buyer")
        .order_by("-pk")
    )
    return render(
        request,
        "courses/leader/course_manage.html",
        {
            "course": course,
            "forms": forms,
            "completion": selectors.course_completion_by_lesson(course=course),
            "cohorts": course.cohorts.all(),
            "sessions": course.sessions.all(),
            "enrollments": selectors.enrollments_of_course(course)[:200],
            "pending": pending,
        },
        status=status,
    )


def _course_post(
    request: HttpRequest, user: User, course: Course, part: str, forms: dict[str, Any]
) -> tuple[int, bool]:
    """Handle one of the page's forms; (status, done)."""
    builders: dict[str, tuple[Any, Callable[[Any], object]]] = {
        "course": (
            CourseForm(request.POST),
            lambda f: services.course_update(course=course, actor=user, details=f.details()),
        ),
        "lesson": (
            LessonForm(request.POST, prefix="lesson"),
            lambda f: services.lesson_create(course=course, actor=user, details=f.details()),
        ),
        "cohort": (
            CohortForm(request.POST, prefix="cohort"),
            lambda f: services.cohort_create(course=course, actor=user, **f.cleaned_data),
        ),
        "session": (
            SessionForm(request.POST, prefix="session"),
            lambda f: services.session_create(actor=user, course=course, details=f.details()),
        ),
    }
    if part not in builders:
        return 400, False
    form, action = builders[part]
    forms[part] = form
    if not form.is_valid():
        return 400, False
    try:
        action(form)
    except DomainError as error:
        add_domain_error(form, error)
        return error.status, False
    messages.success(request, _("已保存"))
    return 200, True


@managed_course_view
def lesson_edit(request: HttpRequest, course: Course, lesson_id: int) -> HttpResponse:
    lesson = Lesson.objects.filter(course=course, pk=lesson_id).first()
    if lesson is None:
        raise Http404(_("课时不存在"))
    initial = {
        name: getattr(lesson, name)
        for name in ("title", "body", "video_url", "duration_seconds", "is_trial", "release")
    } | {"release_days": lesson.release_days, "release_at": lesson.release_at}
    form = LessonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.lesson_update(
                    lesson=lesson,
                    actor=request.user,  # type: ignore[arg-type]
                    details=form.details(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("已保存"))
                return redirect("courses:leader_course", course_id=course.pk)
    return render(
        request,
        "courses/leader/lesson_form.html",
        {"course": course, "lesson": lesson, "form": form},
        status=status,
    )


@managed_course_view
@require_POST
def order_mark_paid(request: HttpRequest, course: Course, order_id: int) -> HttpResponse:
    """The member paid the leader directly (微信转账/现金)."""
    purchase = CoursePurchase.objects.filter(course=course, order_id=order_id).first()
    if purchase is None:
        raise Http404(_("订单不存在"))
    try:
        payments.payment_record_offline(order=purchase.order, actor=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已确认收款，学员已开通课程"))
    return redirect("courses:leader_course", course_id=course.pk)


@managed_course_view
@require_POST
def order_refund(request: HttpRequest, course: Course, order_id: int) -> HttpResponse:
    """A full refund, back the way it was paid; the member's access ends with it."""
    purchase = CoursePurchase.objects.filter(course=course, order_id=order_id).first()
    if purchase is None:
        raise Http404(_("订单不存在"))
    try:
        payments.order_refund_request(
            order=purchase.order,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", "").strip() or _("课程退款"),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已退款，学员的课程权限已收回"))
    return redirect("courses:leader_course", course_id=course.pk)


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """The leader's sessions: the groups' coaching slots and the courses' live classes."""
    user: User = request.user  # type: ignore[assignment]
    form = CommunitySessionForm(request.POST or None, leader=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.session_create(
                    actor=user, community=form.cleaned_data["community"], details=form.details()
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("场次已创建"))
                return redirect("courses:leader_sessions")
    sessions = (
        selectors.sessions_managed_by(user)
        .select_related("course", "community")
        .order_by("-starts_at")[:100]
    )
    return render(
        request,
        "courses/leader/session_list.html",
        {"sessions": sessions, "form": form},
        status=status,
    )


@login_required
def session_manage(request: HttpRequest, session_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    session = selectors.sessions_managed_by(user).filter(pk=session_id).first()
    if session is None:
        raise Http404(_("场次不存在"))
    if request.method == "POST":
        booking_id = request.POST.get("booking", "")
        booking = (
            Booking.objects.filter(session=session, pk=booking_id).first()
            if booking_id.isdigit()
            else None
        )
        if booking is None:
            raise Http404(_("预约不存在"))
        try:
            services.booking_mark_attended(booking=booking, actor=user)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("courses:leader_session", session_id=session.pk)
    bookings = session.bookings.select_related("user", "order").order_by("created_at", "pk")
    return render(
        request,
        "courses/leader/session_manage.html",
        {"session": session, "bookings": bookings},
    )
