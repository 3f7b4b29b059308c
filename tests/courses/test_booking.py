"""Sessions and bookings: never overbooked under a race, the cancel window, reminders."""

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import Conflict, DomainError, PermissionDenied
from apps.courses.models import Booking, LiveSession
from apps.courses.services import booking_cancel, session_book, session_buy, sessions_remind
from apps.notifications.models import Notification
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.communities.factories import member_of
from tests.courses.factories import coaching_slot, enrol, fitness_course


def _race(work: list[object], run: object) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(work))

    def worker(item: object) -> None:
        try:
            barrier.wait()
            try:
                run(item)  # type: ignore[operator]
                outcome = "ok"
            except DomainError as error:
                outcome = error.code
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(item,)) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twelve_members_racing_for_the_last_three_places_book_exactly_three() -> None:
    # Given a course session with 3 places and 12 enrolled members
    setup = fitness_course()
    session = coaching_slot(setup, capacity=3, for_course=True)
    members = [UserFactory() for _ in range(12)]
    for member in members:
        enrol(setup, member)

    # When they all book at once
    outcomes = _race(members, lambda user: session_book(session=session, user=user))

    # Then three got in and nine were told it is full; the counter matches the rows
    assert outcomes == Counter({"ok": 3, "fully_booked": 9})
    session.refresh_from_db()
    assert session.booked_count == 3
    assert Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_member_double_tapping_gets_one_booking() -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=5, for_course=True)
    member = UserFactory()
    enrol(setup, member)

    outcomes = _race([member] * 6, lambda user: session_book(session=session, user=user))

    assert outcomes["ok"] == 1
    assert outcomes["already_booked"] == 5
    session.refresh_from_db()
    assert session.booked_count == 1


@pytest.mark.django_db(transaction=True)
def test_buyers_racing_for_a_priced_coaching_slot_make_one_order() -> None:
    setup = fitness_course()
    slot = coaching_slot(setup, capacity=1, price="450.00")
    buyers = [UserFactory() for _ in range(8)]

    outcomes = _race(buyers, lambda user: session_buy(session=slot, buyer=user))

    assert outcomes["ok"] == 1
    assert sum(outcomes.values()) == 8
    slot.refresh_from_db()
    assert slot.booked_count == 1
    assert Order.objects.filter(session_booking__session=slot).count() == 1


@pytest.mark.django_db
def test_cancel_is_allowed_until_the_window_then_refused() -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=2, for_course=True, starts_in=timedelta(days=1))
    member = UserFactory()
    enrol(setup, member)
    booking = session_book(session=session, user=member)
    cutoff = session.starts_at - timedelta(hours=12)

    with pytest.raises(Conflict) as late:
        booking_cancel(booking=booking, actor=member, now=cutoff + timedelta(seconds=1))
    assert late.value.code == "too_late"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED

    booking_cancel(booking=booking, actor=member, now=cutoff)

    booking.refresh_from_db()
    session.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert session.booked_count == 0


@pytest.mark.django_db
def test_cancel_window_follows_the_setting(settings: object) -> None:
    settings.COURSES_CANCEL_HOURS = 48  # type: ignore[attr-defined]
    setup = fitness_course()
    session = coaching_slot(setup, capacity=2, for_course=True, starts_in=timedelta(days=1))
    member = UserFactory()
    enrol(setup, member)
    booking = session_book(session=session, user=member)
    with pytest.raises(Conflict):
        booking_cancel(booking=booking, actor=member)


@pytest.mark.django_db
def test_only_enrolled_members_book_course_sessions_and_only_the_booker_cancels() -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=2, for_course=True)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        session_book(session=session, user=outsider)
    member = UserFactory()
    enrol(setup, member)
    booking = session_book(session=session, user=member)
    with pytest.raises(DomainError):
        booking_cancel(booking=booking, actor=outsider)
    assert LiveSession.objects.get(pk=session.pk).booked_count == 1


@pytest.mark.django_db
def test_free_group_sessions_are_for_group_members() -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=2)
    with pytest.raises(PermissionDenied):
        session_book(session=session, user=UserFactory())
    assert session_book(session=session, user=member_of(setup.community)).status == "booked"


@pytest.mark.django_db
def test_reminder_goes_once_an_hour_before() -> None:
    setup = fitness_course()
    soon = coaching_slot(setup, capacity=2, for_course=True, starts_in=timedelta(minutes=50))
    later = coaching_slot(setup, capacity=2, for_course=True, starts_in=timedelta(hours=3))
    member = UserFactory()
    enrol(setup, member)
    session_book(session=soon, user=member)
    session_book(session=later, user=member)

    sessions_remind()
    sessions_remind(now=timezone.now() + timedelta(minutes=5))

    reminders = Notification.objects.filter(template="course_session_reminder")
    assert reminders.count() == 1
    assert reminders.get().recipient == member


@pytest.mark.django_db
def test_booking_pages_list_book_and_cancel(client: Any) -> None:
    setup = fitness_course()
    session = coaching_slot(setup, capacity=1, for_course=True)
    slot = coaching_slot(setup, capacity=2, price="350.00")
    member = member_of(setup.community)
    enrol(setup, member)
    client.force_login(member)

    page = client.get(reverse("courses:sessions")).content.decode()
    assert "¥350.00" in page and "剩余 1 个名额" in page
    client.post(reverse("courses:book", args=[session.pk]))
    bought = client.post(reverse("courses:book", args=[slot.pk]))
    booking = Booking.objects.get(session=session, user=member)
    assert booking.status == Booking.Status.BOOKED
    assert bought["Location"] == reverse(
        "courses:order", args=[Booking.objects.get(session=slot).order_id]
    )

    client.post(reverse("courses:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    # Another member's booking is not reachable.
    client.force_login(UserFactory())
    pending = Booking.objects.get(session=slot)
    assert client.post(reverse("courses:cancel", args=[pending.pk])).status_code == 404


@pytest.mark.django_db
def test_leader_creates_a_priced_coaching_slot_and_others_cannot_see_it(client: Any) -> None:
    setup = fitness_course()
    client.force_login(setup.leader)
    response = client.post(
        reverse("courses:leader_sessions"),
        {
            "community": setup.community.pk,
            "title": "一对一私教",
            "starts_at": "2030-03-01 09:00",
            "duration_minutes": "60",
            "capacity": "1",
            "price": "500.00",
        },
    )
    assert response.status_code == 302
    slot = LiveSession.objects.get(title="一对一私教")
    assert slot.price == Decimal("500.00") and slot.sku is not None
    other = fitness_course()
    client.force_login(other.leader)
    assert client.get(reverse("courses:leader_session", args=[slot.pk])).status_code == 404
