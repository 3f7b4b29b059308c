"""Course writes: courses and their lessons, cohorts and sessions; buying; enrolment granted on
payment and revoked on refund; progress; bookings that never overbook.

Who may manage a course is decided here (`course_require_manager`), so pages, the API and the
admin cannot disagree. Places (名额) are counted twice on purpose, each by a guarded UPDATE: a
course's seats are its SKU's stock (taken by `order_create` like any goods, so an unpaid order
holds a seat until it is paid or cancelled), and a session's places are its `booked_count`
(`UPDATE … SET booked_count = booked_count + 1 WHERE booked_count < capacity`).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.catalog.models import SKU, Merchant, Product, StockMovement, SupplyAgreement
from apps.catalog.services import StockChange, sku_create, stock_apply
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by, is_active_member
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.core.money import money
from apps.courses.models import (
    Booking,
    Cohort,
    Course,
    CoursePurchase,
    Enrollment,
    Lesson,
    LessonProgress,
    LiveSession,
)
from apps.notifications.services import notify
from apps.orders import services as orders
from apps.orders.models import Order

DEFAULT_SEATS = 1000


# --- Who manages what ---------------------------------------------------------------------


def course_can_manage(*, course: Course, actor: User) -> bool:
    if course.community is not None:
        return communities_managed_by(actor).filter(pk=course.community.pk).exists()
    return course.merchant is not None and course.merchant.staff.filter(pk=actor.pk).exists()


def course_require_manager(*, course: Course, actor: User) -> None:
    if not course_can_manage(course=course, actor=actor):
        raise PermissionDenied(gettext("你不能管理这门课程"))


def session_require_manager(*, session: LiveSession, actor: User) -> None:
    if session.course is not None:
        course_require_manager(course=session.course, actor=actor)
    elif session.community is None or not (
        communities_managed_by(actor).filter(pk=session.community.pk).exists()
    ):
        raise PermissionDenied(gettext("你不能管理这个课程场次"))


def _community_merchant(community: Community) -> Merchant:
    """A group's own courses need a catalog merchant for their product: the group itself (自营)."""
    merchant, _ = Merchant.objects.get_or_create(name=f"{community.name[:50]}·自营#{community.pk}")
    return merchant


def _course_sku(
    *,
    merchant: Merchant,
    title: str,
    description: str,
    price: Decimal,
    seats: int,
    spec: str,
    actor: User,
) -> tuple[Product, SKU]:
    if money(price) <= 0:
        raise InvalidInput(gettext("价格必须大于0"), field="price")
    if seats <= 0:
        raise InvalidInput(gettext("名额必须大于0"), field="seats")
    product = Product.objects.create(
        merchant=merchant, title=title, description=description, kind=Product.Kind.COURSE
    )
    sku = sku_create(
        product=product,
        spec=spec,
        price=money(price),
        code=f"C-{secrets.token_hex(6).upper()}",
        stock=seats,
        actor=actor,
    )
    return product, sku


# --- Courses, lessons, cohorts ------------------------------------------------------------


@dataclass(frozen=True)
class CourseDetails:
    title: str
    description: str
    instructor_name: str
    price: Decimal
    active: bool = True


@transaction.atomic
def course_create(
    *,
    actor: User,
    details: CourseDetails,
    community: Community | None = None,
    merchant: Merchant | None = None,
    seats: int = DEFAULT_SEATS,
    instructor: User | None = None,
) -> Course:
    """A course of one community (its owner or admins) or one merchant (its staff)."""
    if (community is None) == (merchant is None):
        raise InvalidInput(gettext("课程必须属于一个社群或一个商家"))
    if community is not None:
        if not communities_managed_by(actor).filter(pk=community.pk).exists():
            raise PermissionDenied(gettext("你不能管理这个社群"))
        owner_merchant = _community_merchant(community)
    elif merchant is not None and merchant.staff.filter(pk=actor.pk).exists():
        owner_merchant = merchant
    else:
        raise PermissionDenied(gettext("你不是这个商家的员工"))
    if not details.title.strip():
        raise InvalidInput(gettext("请填写课程名称"), field="title")
    product, sku = _course_sku(
        merchant=owner_merchant,
        title=details.title,
        description=details.description,
        price=details.price,
        seats=seats,
        spec=gettext("课程"),
        actor=actor,
    )
    return Course.objects.create(
        community=community,
        merchant=merchant,
        product=product,
        sku=sku,
        title=details.title.strip(),
        description=details.description,
        instructor_name=details.instructor_name,
        instructor=instructor,
        active=details.active,
    )


@transaction.atomic
def course_update(*, course: Course, actor: User, details: CourseDetails) -> Course:
    """A new price applies to orders placed from now; paid orders keep theirs."""
    course_require_manager(course=course, actor=actor)
    if money(details.price) <= 0:
        raise InvalidInput(gettext("价格必须大于0"), field="price")
    course.title = details.title.strip()
    course.description = details.description
    course.instructor_name = details.instructor_name
    course.active = details.active
    course.save(update_fields=["title", "description", "instructor_name", "active", "updated_at"])
    SKU.objects.filter(pk=course.sku_id).update(price=money(details.price))
    Product.objects.filter(pk=course.product_id).update(
        title=course.title, description=course.description, active=course.active
    )
    course.sku.refresh_from_db(fields=["price"])
    return course


@dataclass(frozen=True)
class LessonDetails:
    title: str
    body: str = ""
    video_url: str = ""
    duration_seconds: int = 0
    is_trial: bool = False
    release: str = Lesson.Release.IMMEDIATE
    release_days: int = 0
    release_at: datetime | None = None


def _lesson_check(details: LessonDetails) -> None:
    if not details.title.strip():
        raise InvalidInput(gettext("请填写课时标题"), field="title")
    if details.release == Lesson.Release.DATE and details.release_at is None:
        raise InvalidInput(gettext("请填写开放时间"), field="release_at")
    if details.release not in Lesson.Release.values:
        raise InvalidInput(gettext("开放方式不正确"), field="release")


@transaction.atomic
def lesson_create(*, course: Course, actor: User, details: LessonDetails) -> Lesson:
    """Appended after the course's last lesson."""
    course_require_manager(course=course, actor=actor)
    _lesson_check(details)
    Course.objects.select_for_update().filter(pk=course.pk).first()  # positions in one order
    last = course.lessons.order_by("-position").values_list("position", flat=True).first()
    return Lesson.objects.create(course=course, position=(last or 0) + 1, **details.__dict__)


@transaction.atomic
def lesson_update(*, lesson: Lesson, actor: User, details: LessonDetails) -> Lesson:
    course_require_manager(course=lesson.course, actor=actor)
    _lesson_check(details)
    for name, value in details.__dict__.items():
        setattr(lesson, name, value)
    lesson.save(update_fields=[*details.__dict__, "updated_at"])
    return lesson


@transaction.atomic
def cohort_create(
    *,
    course: Course,
    actor: User,
    name: str,
    enrol_opens_at: datetime,
    enrol_closes_at: datetime,
    starts_at: datetime,
) -> Cohort:
    course_require_manager(course=course, actor=actor)
    if not name.strip():
        raise InvalidInput(gettext("请填写营期名称"), field="name")
    if enrol_closes_at <= enrol_opens_at:
        raise InvalidInput(gettext("报名截止必须晚于报名开始"), field="enrol_closes_at")
    return Cohort.objects.create(
        course=course,
        name=name.strip(),
        enrol_opens_at=enrol_opens_at,
        enrol_closes_at=enrol_closes_at,
        starts_at=starts_at,
    )


# --- Buying and access --------------------------------------------------------------------


def _order_community(course: Course, community: Community | None) -> Community:
    """A group's course is sold in that group; a merchant's course in a group whose leader
    sells for the merchant (the group the link was shared in)."""
    if course.community is not None:
        return course.community
    if community is None or community.is_dissolved:
        raise InvalidInput(gettext("请从群里分享的课程链接购买"), field="community")
    if not SupplyAgreement.objects.filter(
        merchant=course.merchant,
        leader_id=community.owner_id,
        status=SupplyAgreement.Status.APPROVED,
    ).exists():
        raise InvalidInput(gettext("这个群不销售这门课程"), field="community")
    return community


@transaction.atomic
def course_buy(
    *,
    course: Course,
    buyer: User,
    cohort: Cohort | None = None,
    community: Community | None = None,
    now: datetime | None = None,
) -> Order:
    """A pending order for one seat. Buying again while that order is unpaid returns it."""
    now = now or timezone.now()
    course = Course.objects.select_related("sku", "community").get(pk=course.pk)
    if not course.active:
        raise Conflict(gettext("课程已下架"))
    if Enrollment.objects.filter(
        user=buyer, course=course, status=Enrollment.Status.ACTIVE
    ).exists():
        raise Conflict(gettext("你已报名这门课程"), code="already_enrolled")
    pending = (
        CoursePurchase.objects.filter(
            course=course, buyer=buyer, order__status=Order.Status.PENDING_PAYMENT
        )
        .select_related("order")
        .first()
    )
    if pending is not None:
        return pending.order
    if course.cohorts.exists():
        if cohort is None or cohort.course_id != course.pk:
            raise InvalidInput(gettext("请选择营期"), field="cohort")
        if not cohort.is_open(now):
            raise Conflict(gettext("该营期不在报名时间内"), code="cohort_closed")
    else:
        cohort = None
    if not buyer.phone:
        raise InvalidInput(gettext("请先绑定手机号"), field="phone")
    order = orders.order_create(
        community=_order_community(course, community),
        buyer=buyer,
        contact_name=buyer.shown_name[:32],
        contact_phone=buyer.phone,
        lines=[
            orders.LineRequest(
                sku=course.sku, title=course.title, unit_price=course.sku.price, quantity=1
            )
        ],
    )
    CoursePurchase.objects.create(order=order, course=course, cohort=cohort, buyer=buyer)
    return order


def enrollment_grant(*, order: Order, now: datetime | None = None) -> Enrollment | None:
    """The paid order's seat becomes an enrolment; a second call for the same order is a no-op.
    Runs inside order_mark_paid's transaction, under its lock on the order row."""
    purchase = CoursePurchase.objects.select_related("course").filter(order=order).first()
    if purchase is None:
        return None
    existing = Enrollment.objects.filter(order=order).first()
    if existing is not None:
        return existing
    active = Enrollment.objects.filter(
        user=purchase.buyer_id, course=purchase.course, status=Enrollment.Status.ACTIVE
    ).first()
    if active is not None:
        return active  # paid twice for one course: the leader refunds the second order
    enrollment = Enrollment.objects.create(
        user_id=purchase.buyer_id,
        course=purchase.course,
        cohort_id=purchase.cohort_id,
        order=order,
        enrolled_at=now or timezone.now(),
    )
    track(
        "course_bought",
        actor=order.buyer,
        community=order.community_id,
        subject=purchase.course,
        properties={"order": order.pk, "amount": str(order.paid_amount)},
    )
    return enrollment


def enrollment_revoke(*, enrollment: Enrollment, now: datetime | None = None) -> Enrollment:
    """Access ends now; the member's bookings of the course's sessions not yet held are
    cancelled. Revoking twice changes nothing."""
    now = now or timezone.now()
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == Enrollment.Status.REVOKED:
        return enrollment
    enrollment.status = Enrollment.Status.REVOKED
    enrollment.revoked_at = now
    enrollment.access_ends_at = now
    enrollment.save(update_fields=["status", "revoked_at", "access_ends_at"])
    future = Booking.objects.filter(
        user_id=enrollment.user_id,
        session__course_id=enrollment.course_id,
        session__starts_at__gt=now,
        status__in=[Booking.Status.BOOKED, Booking.Status.PENDING_PAYMENT],
    ).order_by("pk")
    for booking in future:
        booking_release(booking=booking, now=now)
    return enrollment


def seats_release(*, order: Order, lines_not_restocked: list[tuple[int, int]]) -> None:
    """A refunded seat or coaching place goes back on sale: the course's access or the booking
    ended with the refund, whatever the refund's restock choice (made for goods)."""
    if lines_not_restocked:
        stock_apply(
            changes=[StockChange(sku_id=sku_id, delta=qty) for sku_id, qty in lines_not_restocked],
            reason=StockMovement.Reason.REFUND_RESTOCK,
            actor=None,
            reference=order.number,
            note="课程退款释放名额",
        )


@dataclass(frozen=True)
class LessonAccess:
    """What a user may do with a lesson now: read it, or why not and until when."""

    readable: bool
    reason: str  # "trial", "enrolled", "not_enrolled", "not_released"
    unlocks_at: datetime | None = None


def lesson_access(
    *, lesson: Lesson, enrollment: Enrollment | None, now: datetime | None = None
) -> LessonAccess:
    now = now or timezone.now()
    if lesson.is_trial:
        return LessonAccess(readable=True, reason="trial")
    if enrollment is None or not enrollment.grants_access(now):
        return LessonAccess(
            readable=False, reason="not_enrolled", unlocks_at=lesson.unlocks_at(anchor=None)
        )
    unlocks_at = lesson.unlocks_at(anchor=enrollment.drip_anchor)
    if unlocks_at is not None and now < unlocks_at:
        return LessonAccess(readable=False, reason="not_released", unlocks_at=unlocks_at)
    return LessonAccess(readable=True, reason="enrolled")


@transaction.atomic
def progress_record(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    position_seconds: int,
    completed: bool = False,
    now: datetime | None = None,
) -> LessonProgress:
    """Where the member is in a lesson they may read; completion is recorded once."""
    now = now or timezone.now()
    if lesson.course_id != enrollment.course_id:
        raise NotFound(gettext("课时不存在"))
    if not lesson_access(lesson=lesson, enrollment=enrollment, now=now).readable:
        raise PermissionDenied(gettext("这节课还没有解锁"))
    if position_seconds < 0:
        raise InvalidInput(gettext("观看位置不正确"), field="position")
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        enrollment=enrollment, lesson=lesson
    )
    progress.position_seconds = position_seconds
    fields = ["position_seconds", "updated_at"]
    if completed and progress.completed_at is None:
        progress.completed_at = now
        fields.append("completed_at")
        track(
            "lesson_completed",
            actor=enrollment.user,
            community=enrollment.course.community_id,
            subject=lesson,
            properties={"course": lesson.course_id},
        )
    progress.save(update_fields=fields)
    return progress


# --- Live sessions and bookings ------------------------------------------------------------


@dataclass(frozen=True)
class SessionDetails:
    title: str
    starts_at: datetime
    capacity: int
    duration_minutes: int = 60
    description: str = ""
    price: Decimal | None = None


@transaction.atomic
def session_create(
    *,
    actor: User,
    details: SessionDetails,
    course: Course | None = None,
    community: Community | None = None,
) -> LiveSession:
    """A course's session (free for its members) or a group's session: free for the group's
    members, or priced (a coaching slot anyone in the link's audience buys through an order)."""
    if (course is None) == (community is None):
        raise InvalidInput(gettext("场次必须属于一门课程或一个社群"))
    if course is not None:
        course_require_manager(course=course, actor=actor)
        if details.price is not None:
            raise InvalidInput(gettext("课程内的场次对学员免费"), field="price")
    elif not communities_managed_by(actor).filter(pk=community.pk).exists():  # type: ignore[union-attr]
        raise PermissionDenied(gettext("你不能管理这个社群"))
    if details.capacity <= 0:
        raise InvalidInput(gettext("名额必须大于0"), field="capacity")
    if not details.title.strip():
        raise InvalidInput(gettext("请填写标题"), field="title")
    sku = None
    if details.price is not None and community is not None:  # a course's sessions are free
        _, sku = _course_sku(
            merchant=_community_merchant(community),
            title=details.title,
            description=details.description,
            price=details.price,
            seats=details.capacity,
            spec=timezone.localtime(details.starts_at).strftime("%Y-%m-%d %H:%M"),
            actor=actor,
        )
    return LiveSession.objects.create(
        course=course,
        community=community,
        title=details.title.strip(),
        description=details.description,
        starts_at=details.starts_at,
        duration_minutes=details.duration_minutes,
        capacity=details.capacity,
        price=money(details.price) if details.price is not None else None,
        sku=sku,
    )


def _session_bookable(session: LiveSession, now: datetime) -> None:
    if session.cancelled_at is not None:
        raise Conflict(gettext("该场次已取消"))
    if session.starts_at <= now:
        raise Conflict(gettext("该场次已开始，不能预约"), code="session_started")


def _place_take(*, session: LiveSession, user: User, order: Order | None) -> Booking:
    """One place, never past capacity (guarded UPDATE), one active booking per member (a
    partial unique index). Both undo together if either refuses."""
    try:
        with transaction.atomic():
            taken = LiveSession.objects.filter(
                pk=session.pk, booked_count__lt=F("capacity")
            ).update(booked_count=F("booked_count") + 1)
            if not taken:
                raise Conflict(gettext("名额已约满"), code="fully_booked")
            return Booking.objects.create(
                session=session,
                user=user,
                order=order,
                status=Booking.Status.PENDING_PAYMENT if order else Booking.Status.BOOKED,
            )
    except IntegrityError as exc:
        raise Conflict(gettext("你已预约这个场次"), code="already_booked") from exc


@transaction.atomic
def session_book(*, session: LiveSession, user: User, now: datetime | None = None) -> Booking:
    """Book a free place: a course session for its enrolled members, a group's free session
    for the group's members."""
    now = now or timezone.now()
    _session_bookable(session, now)
    if session.price is not None:
        raise InvalidInput(gettext("这是付费场次，请先购买"), field="session")
    if session.course_id is not None:
        enrollment = Enrollment.objects.filter(
            user=user, course_id=session.course_id, status=Enrollment.Status.ACTIVE
        ).first()
        if enrollment is None or not enrollment.grants_access(now):
            raise PermissionDenied(gettext("报名课程后才能预约"))
    elif not is_active_member(user=user, community=session.community):  # type: ignore[arg-type]
        raise PermissionDenied(gettext("入群后才能预约"))
    if Booking.objects.filter(
        session=session, user=user, status__in=[Booking.Status.BOOKED, Booking.Status.ATTENDED]
    ).exists():
        raise Conflict(gettext("你已预约这个场次"), code="already_booked")
    return _place_take(session=session, user=user, order=None)


@transaction.atomic
def session_buy(*, session: LiveSession, buyer: User, now: datetime | None = None) -> Order:
    """Hold a priced place and open its pending order; the booking is confirmed when paid and
    released when the order is cancelled (unpaid)."""
    now = now or timezone.now()
    _session_bookable(session, now)
    if session.price is None or session.sku is None or session.community is None:
        raise InvalidInput(gettext("这个场次不需要购买"), field="session")
    active = Booking.objects.filter(
        session=session, user=buyer, status__in=[s for s in Booking.Status if s != "cancelled"]
    ).first()
    if active is not None:
        if active.status == Booking.Status.PENDING_PAYMENT and active.order is not None:
            return active.order
        raise Conflict(gettext("你已预约这个场次"), code="already_booked")
    if not buyer.phone:
        raise InvalidInput(gettext("请先绑定手机号"), field="phone")
    order = orders.order_create(
        community=session.community,
        buyer=buyer,
        contact_name=buyer.shown_name[:32],
        contact_phone=buyer.phone,
        lines=[
            orders.LineRequest(
                sku=session.sku, title=session.title, unit_price=session.price, quantity=1
            )
        ],
    )
    _place_take(session=session, user=buyer, order=order)
    return order


def booking_release(*, booking: Booking, now: datetime) -> None:
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at"])
    LiveSession.objects.filter(pk=booking.session_id, booked_count__gt=0).update(
        booked_count=F("booked_count") - 1
    )


def booking_lock(*, booking_id: int) -> Booking:
    try:
        return (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session", "order")
            .get(pk=booking_id)
        )
    except Booking.DoesNotExist as exc:
        raise NotFound(gettext("预约不存在")) from exc


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: User, now: datetime | None = None) -> Booking:
    """The member cancels up to COURSES_CANCEL_HOURS before the start. A paid coaching place
    goes back through a refund by the leader (the refund cancels the booking)."""
    now = now or timezone.now()
    booking = booking_lock(booking_id=booking.pk)
    if booking.user_id != actor.pk:
        raise NotFound(gettext("预约不存在"))
    if not booking.holds_place or booking.status == Booking.Status.ATTENDED:
        raise Conflict(gettext("该预约不能取消"), code="illegal_transition")
    hours = settings.COURSES_CANCEL_HOURS
    if now > booking.session.starts_at - timedelta(hours=hours):
        raise Conflict(
            gettext("开课前 %(hours)s 小时内不能取消") % {"hours": hours}, code="too_late"
        )
    if booking.order is not None:
        if booking.order.status != Order.Status.PENDING_PAYMENT:
            raise Conflict(gettext("已付款的预约请联系团长退款"), code="paid")
        orders.order_cancel(order=booking.order, actor=actor, reason="取消预约")
        booking.refresh_from_db()
        return booking
    booking_release(booking=booking, now=now)
    return booking


@transaction.atomic
def booking_mark_attended(*, booking: Booking, actor: User) -> Booking:
    booking = booking_lock(booking_id=booking.pk)
    session_require_manager(session=booking.session, actor=actor)
    if booking.status != Booking.Status.BOOKED:
        raise Conflict(gettext("只有已预约的学员可以签到"), code="illegal_transition")
    booking.status = Booking.Status.ATTENDED
    booking.save(update_fields=["status"])
    return booking


def sessions_remind(*, now: datetime | None = None) -> int:
    """Queue a reminder for each booking of a session starting within the hour. Each booking's
    key is sent once, however often the beat runs."""
    now = now or timezone.now()
    bookings = (
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            session__cancelled_at=None,
            session__starts_at__gt=now,
            session__starts_at__lte=now + timedelta(hours=1),
        )
        .select_related("session", "user")
        .order_by("pk")
    )
    queued = 0
    for booking in bookings:
        with transaction.atomic():
            notify(
                recipient=booking.user,
                template="course_session_reminder",
                dedupe_key=f"courses.session_reminder:{booking.pk}",
                context={
                    "title": booking.session.title,
                    "starts_at": timezone.localtime(booking.session.starts_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                },
            )
        queued += 1
    return queued
