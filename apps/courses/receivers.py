"""Courses listen to order events: paid grants the course or confirms the coaching place,
refunded in full ends access and frees the place, cancelled (unpaid) releases a held place.

Receivers run inside the order transition's transaction, after its lock on the order row, so a
second delivery of the same event finds the work done."""

from collections import Counter
from typing import Any

from django.utils import timezone

from apps.communities.models import Community
from apps.courses import services
from apps.courses.models import Booking, Course, Enrollment
from apps.orders.models import Order, OrderLine


def grant_on_paid(*, order: Order, **kwargs: Any) -> None:
    services.enrollment_grant(order=order)
    Booking.objects.filter(order=order, status=Booking.Status.PENDING_PAYMENT).update(
        status=Booking.Status.BOOKED
    )


def revoke_on_refund(
    *, order: Order, restocked: list[tuple[OrderLine, int]], **kwargs: Any
) -> None:
    if order.status != Order.Status.REFUNDED:
        return  # a course or a place is one unit: only a full refund ends it
    now = timezone.now()
    ended = False
    enrollment = Enrollment.objects.filter(order=order).first()
    if enrollment is not None:
        services.enrollment_revoke(enrollment=enrollment, now=now)
        ended = True
    booking = Booking.objects.filter(order=order).select_related("session").first()
    if booking is not None and booking.holds_place and booking.session.starts_at > now:
        services.booking_release(booking=booking, now=now)
        ended = True
    if not ended:
        return
    put_back: Counter[int] = Counter()
    for line, quantity in restocked:
        put_back[line.sku_id] += quantity
    services.seats_release(
        order=order,
        lines_not_restocked=[
            (line.sku_id, line.quantity - put_back[line.sku_id])
            for line in order.lines.all()
            if line.quantity > put_back[line.sku_id]
        ],
    )


def release_on_cancel(*, order: Order, **kwargs: Any) -> None:
    now = timezone.now()
    for booking in Booking.objects.filter(order=order, status=Booking.Status.PENDING_PAYMENT):
        services.booking_release(booking=booking, now=now)


def community_sells_courses(community: Community) -> bool:
    """For the stage playbook: the group has a course on sale."""
    return Course.objects.filter(community=community, active=True).exists()
