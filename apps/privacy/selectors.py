"""What the project holds about one person, section by section, for their own download."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet

from apps.accounts.models import User
from apps.communities.models import JoinRequest, LeaderApplication, Membership
from apps.courses.models import Booking, Enrollment
from apps.distribution.models import CommissionEntry, Distributor
from apps.memberships.models import Subscription
from apps.orders.models import Order, OrderLine
from apps.rewards.models import CheckIn, Coupon, PointsEntry

# Secrets and internal tokens: never part of a download, not even the owner's own.
EXCLUDED_FIELDS = {"password", "code_hash", "submission_token", "ad_click_token"}


def _rows(queryset: QuerySet[Any] | Iterable[Model]) -> list[dict[str, Any]]:
    rows = []
    for obj in queryset:
        rows.append(
            {
                field.attname: getattr(obj, field.attname)
                for field in obj._meta.concrete_fields
                if field.attname not in EXCLUDED_FIELDS
            }
        )
    return rows


def orders_of(user: User) -> QuerySet[Order]:
    """The member's orders: those placed signed in, and those placed with their phone number."""
    condition = Q(buyer=user)
    if user.phone:
        condition |= Q(contact_phone=user.phone)
    return Order.objects.filter(condition)


def personal_data(*, user: User) -> dict[str, list[dict[str, Any]]]:
    """Every section of the member's data as rows of plain field values, in a fixed order."""
    orders = orders_of(user).order_by("pk")
    return {
        "profile": _rows([user]),
        "memberships": _rows(Membership.objects.filter(user=user).order_by("pk")),
        "join_requests": _rows(JoinRequest.objects.filter(user=user).order_by("pk")),
        "orders": _rows(orders),
        "order_lines": _rows(OrderLine.objects.filter(order__in=orders).order_by("pk")),
        # The addresses a member gives: as a leader applicant, and in order notes (above).
        "addresses": _rows(LeaderApplication.objects.filter(applicant=user).order_by("pk")),
        "check_ins": _rows(CheckIn.objects.filter(user=user).order_by("pk")),
        "points": _rows(PointsEntry.objects.filter(user=user).order_by("pk")),
        "coupons": _rows(Coupon.objects.filter(owner=user).order_by("pk")),
        "subscriptions": _rows(Subscription.objects.filter(user=user).order_by("pk")),
        "enrollments": _rows(Enrollment.objects.filter(user=user).order_by("pk")),
        "bookings": _rows(Booking.objects.filter(user=user).order_by("pk")),
        "distributor": _rows(Distributor.objects.filter(user=user).order_by("pk")),
        "commissions": _rows(CommissionEntry.objects.filter(beneficiary=user).order_by("pk")),
    }
