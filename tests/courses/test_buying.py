"""Buying a course: the order, the pay step, enrolment on payment (once), revocation on refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import Event
from apps.catalog.models import SKU, SupplyAgreement
from apps.core.errors import Conflict, InvalidInput
from apps.courses.models import Booking, CoursePurchase, Enrollment
from apps.courses.services import (
    CourseDetails,
    cohort_create,
    course_buy,
    course_create,
    session_book,
    session_buy,
)
from apps.orders import events
from apps.orders.models import Order
from apps.orders.services import order_cancel, order_mark_paid, order_refund
from apps.payments.services import payment_record_offline
from tests.accounts.factories import UserFactory
from tests.catalog.factories import MerchantFactory
from tests.communities.factories import CommunityFactory
from tests.courses.factories import coaching_slot, enrol, fitness_course

pytestmark = pytest.mark.django_db


def test_buying_creates_a_pending_order_at_the_course_price_holding_one_seat() -> None:
    setup = fitness_course(price="399.00", seats=5)
    member = UserFactory()

    order = course_buy(course=setup.course, buyer=member)

    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.total_amount == setup.course.sku.price
    assert str(order.total_amount) == "399.00"
    assert order.community == setup.community
    assert SKU.objects.get(pk=setup.course.sku_id).stock == 4
    assert not Enrollment.objects.exists()
    # Buying again while unpaid returns the same order, not a second one.
    assert course_buy(course=setup.course, buyer=member) == order
    assert Order.objects.count() == 1


def test_a_cancelled_unpaid_order_gives_the_seat_back() -> None:
    setup = fitness_course(seats=1)
    order = course_buy(course=setup.course, buyer=UserFactory())
    with pytest.raises(Conflict):
        course_buy(course=setup.course, buyer=UserFactory())  # sold out

    order_cancel(order=order, actor=None, reason="超时")

    assert SKU.objects.get(pk=setup.course.sku_id).stock == 1
    assert course_buy(course=setup.course, buyer=UserFactory()).pk != order.pk


def test_paid_enrols_once_even_when_the_event_arrives_twice() -> None:
    setup = fitness_course()
    member = UserFactory()
    order = course_buy(course=setup.course, buyer=member)

    payment_record_offline(order=order, actor=setup.leader)
    order.refresh_from_db()
    events.order_paid.send(sender=Order, order=order, actor=setup.leader)  # redelivered

    assert Enrollment.objects.filter(user=member, course=setup.course).count() == 1
    assert Enrollment.objects.get().status == Enrollment.Status.ACTIVE
    assert Event.objects.filter(name="course_bought", subject_id=setup.course.pk).count() == 1
    with pytest.raises(Conflict):
        course_buy(course=setup.course, buyer=member)


def test_full_refund_revokes_access_and_cancels_bookings_not_yet_held(client: Client) -> None:
    setup = fitness_course(seats=3)
    member = UserFactory()
    enrollment = enrol(setup, member)
    future = coaching_slot(setup, capacity=5, for_course=True)
    past = coaching_slot(setup, capacity=5, for_course=True, starts_in=timedelta(hours=2))
    future_booking = session_book(session=future, user=member)
    held = session_book(session=past, user=member)
    # The past session has been held by the time of the refund.
    past.starts_at = timezone.now() - timedelta(hours=1)
    past.save(update_fields=["starts_at"])

    order_refund(order=enrollment.order, actor=setup.leader, reason="不想学了")  # type: ignore[arg-type]

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.REVOKED
    assert enrollment.access_ends_at is not None
    future_booking.refresh_from_db()
    held.refresh_from_db()
    assert future_booking.status == Booking.Status.CANCELLED
    assert held.status == Booking.Status.BOOKED
    future.refresh_from_db()
    assert future.booked_count == 0
    assert SKU.objects.get(pk=setup.course.sku_id).stock == 3  # the seat is for sale again
    client.force_login(member)
    assert client.get(reverse("courses:lesson", args=[setup.lessons[1].pk])).status_code == 403


def test_refund_of_a_paid_coaching_slot_frees_the_place() -> None:
    setup = fitness_course()
    slot = coaching_slot(setup, capacity=1, price="400.00")
    buyer = UserFactory()
    order = session_buy(session=slot, buyer=buyer)
    order_mark_paid(order=order, actor=setup.leader)
    assert Booking.objects.get(order=order).status == Booking.Status.BOOKED

    order_refund(order=order, actor=setup.leader, reason="教练请假")

    slot.refresh_from_db()
    assert Booking.objects.get(order=order).status == Booking.Status.CANCELLED
    assert slot.booked_count == 0
    assert SKU.objects.get(pk=slot.sku_id).stock == 1


def test_cohort_window_is_enforced_at_the_exact_edges() -> None:
    setup = fitness_course()
    now = timezone.now()
    cohort = cohort_create(
        course=setup.course,
        actor=setup.leader,
        name="1月营",
        enrol_opens_at=now + timedelta(hours=1),
        enrol_closes_at=now + timedelta(days=3),
        starts_at=now + timedelta(days=4),
    )
    member = UserFactory()
    with pytest.raises(InvalidInput):
        course_buy(course=setup.course, buyer=member)  # a course with cohorts needs one
    with pytest.raises(Conflict) as early:
        course_buy(
            course=setup.course,
            buyer=member,
            cohort=cohort,
            now=cohort.enrol_opens_at - timedelta(microseconds=1),
        )
    assert early.value.code == "cohort_closed"
    with pytest.raises(Conflict):
        course_buy(course=setup.course, buyer=member, cohort=cohort, now=cohort.enrol_closes_at)
    assert not Order.objects.exists()

    order = course_buy(course=setup.course, buyer=member, cohort=cohort, now=cohort.enrol_opens_at)
    assert CoursePurchase.objects.get(order=order).cohort == cohort


def test_buy_button_leads_to_the_pay_step(client: Client) -> None:
    setup = fitness_course()
    member = UserFactory()
    client.force_login(member)

    response = client.post(reverse("courses:buy", args=[setup.course.pk]))

    order = Order.objects.get(buyer=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:order", args=[order.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "¥399.00" in page.content.decode()
    # Nobody else sees it.
    client.force_login(UserFactory())
    assert client.get(reverse("courses:order", args=[order.pk])).status_code == 404


def test_the_sandbox_pays_a_course_order_and_enrols(client: Client, sandbox: object) -> None:
    setup = fitness_course()
    member = UserFactory()
    client.force_login(member)
    client.post(reverse("courses:buy", args=[setup.course.pk]))
    order = Order.objects.get(buyer=member)
    page = client.get(reverse("courses:order", args=[order.pk])).content.decode()
    assert "支付沙箱" in page

    pay_link = page.split('href="/payments/order/')[1].split('"')[0].replace("&amp;", "&")
    started = client.post(f"/payments/order/{pay_link}", {"provider": "sandbox"})
    client.post(started["Location"])

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Enrollment.objects.get(order=order).user == member
    assert client.get(reverse("courses:lesson", args=[setup.lessons[1].pk])).status_code == 200


def test_a_merchants_course_is_sold_only_in_groups_whose_leader_sells_for_it() -> None:
    merchant = MerchantFactory()
    staff = UserFactory()
    merchant.staff.add(staff)
    course = course_create(
        actor=staff,
        merchant=merchant,
        details=CourseDetails(
            title="科学喂养课", description="", instructor_name="王老师", price=Decimal("199")
        ),
    )
    seller, stranger = CommunityFactory(), CommunityFactory()
    SupplyAgreement.objects.create(
        merchant=merchant, leader=seller.owner, status=SupplyAgreement.Status.APPROVED
    )
    member = UserFactory()
    with pytest.raises(InvalidInput):
        course_buy(course=course, buyer=member)
    with pytest.raises(InvalidInput):
        course_buy(course=course, buyer=member, community=stranger)
    assert not Order.objects.exists()

    order = course_buy(course=course, buyer=member, community=seller)

    assert order.community == seller
