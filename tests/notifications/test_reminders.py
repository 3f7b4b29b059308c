"""The reminders: who gets each one, and that a rerun never queues it twice."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.analytics.tracking import track
from apps.chains.models import Chain
from apps.chains.reminders import (
    chain_viewers_without_order,
    chains_remind_closing_soon,
    chains_report_closed,
    orders_remind_payment,
    orders_remind_pickup,
)
from apps.chains.services import chain_close
from apps.communities.models import Membership
from apps.courses.models import Enrollment, Lesson
from apps.courses.reminders import lessons_remind_unlocked
from apps.distribution.reminders import commissions_remind_available, payouts_remind_paid
from apps.distribution.services import (
    commission_accrue,
    payout_batch_create,
    payout_batch_mark_paid,
    payout_batch_review,
)
from apps.notifications.models import Notification
from apps.orders.models import Order, OrderLog
from apps.orders.services import order_cancel, order_mark_ready
from tests.accounts.factories import UserFactory, staff_user
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import member_of
from tests.courses.factories import enrol, fitness_course
from tests.distribution.factories import complete, dist_setup, paid, place

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _queue_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check what is queued; sending has its own tests."""
    from apps.notifications import services

    monkeypatch.setattr(services, "_enqueue_sending", lambda: None)
    monkeypatch.setattr(services, "_enqueue_batch", lambda ids: None)


def keys(prefix: str) -> list[str]:
    return sorted(
        Notification.objects.filter(dedupe_key__startswith=prefix).values_list(
            "dedupe_key", flat=True
        )
    )


def closing_soon(setup: ChainSetup, *, hours: float = 1) -> Chain:
    Chain.objects.filter(pk=setup.chain.pk).update(
        closes_at=timezone.now() + timedelta(hours=hours)
    )
    setup.chain.refresh_from_db()
    return setup.chain


def view(chain: Chain, user: Any = None, *, visitor: str = "v") -> None:
    track(
        "chain_viewed", actor=user, community=chain.community_id, subject=chain, distinct_id=visitor
    )


# --- chain closing soon ---------------------------------------------------------------------


def test_closing_soon_goes_to_members_who_viewed_and_have_not_ordered() -> None:
    setup = open_chain()
    chain = closing_soon(setup)
    viewer = member_of(setup.community)
    buyer = member_of(setup.community)
    cancelled_buyer = member_of(setup.community)
    silent = member_of(setup.community)  # never opened the chain
    outsider = UserFactory()  # viewed, but is not in the group
    left = member_of(setup.community)
    Membership.objects.filter(user=left).update(left_at=timezone.now())
    for user in (viewer, buyer, cancelled_buyer, outsider, left):
        view(chain, user)
    view(chain, None, visitor="anonymous-browser")  # no account: nobody to remind
    place(setup, buyer=buyer, phone="13800000001")
    order_cancel(order=place(setup, buyer=cancelled_buyer, phone="13800000002"), actor=None)

    assert chain_viewers_without_order(chain=chain) == sorted([viewer.pk, cancelled_buyer.pk])
    assert silent.pk not in chain_viewers_without_order(chain=chain)

    queued = chains_remind_closing_soon()

    assert queued == 2
    rows = Notification.objects.filter(template="chain_closing_soon").order_by("recipient_id")
    assert [row.recipient_id for row in rows] == sorted([viewer.pk, cancelled_buyer.pk])
    row = rows[0]
    assert row.kind == Kind.MARKETING
    assert row.community_id == setup.community.pk
    assert row.context["url"].endswith(f"/c/{chain.slug}/")


def test_closing_soon_is_queued_once_however_often_beat_runs() -> None:
    setup = open_chain()
    chain = closing_soon(setup)
    viewer = member_of(setup.community)
    view(chain, viewer)
    view(chain, viewer)  # two views, one reminder

    first = chains_remind_closing_soon()
    second = chains_remind_closing_soon()

    assert (first, second) == (1, 0)
    assert keys("chain.closing_soon:") == [f"chain.closing_soon:{chain.pk}:{viewer.pk}"]


def test_chains_far_from_closing_or_not_open_get_no_reminder() -> None:
    far = open_chain()
    closing_soon(far, hours=30)
    closed = open_chain()
    closing_soon(closed)
    for setup in (far, closed):
        view(setup.chain, member_of(setup.community))
    chain_close(chain=closed.chain, actor=None)

    assert chains_remind_closing_soon() == 0


# --- chain closed summary -------------------------------------------------------------------


def test_the_leader_gets_one_summary_of_a_closed_chain() -> None:
    setup = open_chain()
    paid(setup, phone="13800000011")
    place(setup, phone="13800000012")
    chain_close(chain=setup.chain, actor=None)

    assert chains_report_closed() == 1
    assert chains_report_closed() == 0

    (row,) = Notification.objects.filter(template="chain_closed_summary")
    assert row.recipient_id == setup.leader.pk
    assert row.kind == Kind.TRANSACTIONAL
    assert (row.context["orders"], row.context["paid"], row.context["unpaid"]) == (2, 1, 1)
    assert row.context["paid_amount"] == "29.90"


# --- orders: payment pending, ready for pickup, pickup day ----------------------------------


def test_an_unpaid_order_is_reminded_once_after_the_delay(settings: Any) -> None:
    settings.NOTIFICATIONS_PAYMENT_PENDING_MINUTES = 30
    setup = open_chain()
    member = member_of(setup.community)
    order = place(setup, buyer=member, phone="13800000021")
    guest = place(setup, phone="13800000022")
    paid_order = paid(setup, phone="13800000023")

    assert orders_remind_payment() == 0  # too early
    later = timezone.now() + timedelta(minutes=31)
    assert orders_remind_payment(now=later) == 2
    assert orders_remind_payment(now=later) == 0

    to_member = Notification.objects.get(dedupe_key=f"order.payment_pending:{order.pk}")
    assert to_member.recipient_id == member.pk
    to_guest = Notification.objects.get(dedupe_key=f"order.payment_pending:{guest.pk}")
    assert (to_guest.recipient_id, to_guest.address) == (None, "13800000022")
    assert to_guest.channel == Notification.Channel.SMS
    assert not Notification.objects.filter(dedupe_key__endswith=f":{paid_order.pk}").exists()


def test_ready_for_pickup_then_pickup_day_next_morning() -> None:
    setup = open_chain()
    member = member_of(setup.community)
    order = paid(setup, buyer=member, phone="13800000031")
    order_mark_ready(order=order, actor=setup.leader)

    assert orders_remind_pickup() == 1
    assert keys("order.") == [f"order.ready:{order.pk}"]
    ready = Notification.objects.get(dedupe_key=f"order.ready:{order.pk}")
    assert ready.context["pickup_point"] == "东门超市"
    assert ready.context["pickup_code"]

    # The next morning at 09:00 local, still not collected
    tomorrow = timezone.localtime() + timedelta(days=1)
    morning = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    assert orders_remind_pickup(now=morning.replace(hour=8)) == 0
    assert orders_remind_pickup(now=morning) == 1
    assert orders_remind_pickup(now=morning) == 0
    assert keys("order.") == [f"order.pickup_day:{order.pk}", f"order.ready:{order.pk}"]


def test_a_collected_order_gets_no_pickup_day_reminder() -> None:
    setup = open_chain()
    order = paid(setup, phone="13800000041")
    order_mark_ready(order=order, actor=setup.leader)
    complete(order)
    OrderLog.objects.filter(order=order).update(created_at=timezone.now() - timedelta(hours=20))
    morning = (timezone.localtime() + timedelta(days=1)).replace(hour=10)

    assert orders_remind_pickup(now=morning) == 0
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


# --- course lessons -------------------------------------------------------------------------


def test_a_drip_lesson_is_announced_to_each_member_on_its_day() -> None:
    setup = fitness_course()
    member = UserFactory()
    enrollment = enrol(setup, member)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        enrolled_at=timezone.now() - timedelta(days=3)
    )
    drip = next(lesson for lesson in setup.lessons if lesson.release == Lesson.Release.DRIP)
    assert drip.release_days == 2

    assert lessons_remind_unlocked() == 1
    assert lessons_remind_unlocked() == 0
    (row,) = Notification.objects.filter(template="course_lesson_unlocked")
    assert row.dedupe_key == f"course.lesson_unlocked:{drip.pk}:{member.pk}"
    assert row.context["lesson"] == drip.title
    assert row.context["url"].endswith(f"/courses/lessons/{drip.pk}/")


def test_a_dated_lesson_is_announced_to_every_enrolled_member_once() -> None:
    setup = fitness_course()
    members = [UserFactory() for _ in range(2)]
    for member in members:
        enrol(setup, member)
    dated = next(lesson for lesson in setup.lessons if lesson.release == Lesson.Release.DATE)
    opened = timezone.now() + timedelta(days=10, minutes=1)

    assert lessons_remind_unlocked(now=opened) == 2
    assert lessons_remind_unlocked(now=opened) == 0
    assert keys(f"course.lesson_unlocked:{dated.pk}:") == sorted(
        f"course.lesson_unlocked:{dated.pk}:{member.pk}" for member in members
    )


# --- commissions ----------------------------------------------------------------------------


def test_commission_available_and_payout_paid_reach_the_distributor_once(settings: Any) -> None:
    settings.DISTRIBUTION_FROZEN_DAYS = 7
    settings.DISTRIBUTION_MIN_PAYOUT = "0.01"
    setup = dist_setup()
    order = paid(setup.chain, code=setup.distributor.code, phone="13800000051")
    commission_accrue(order=order)
    complete(order, days_ago=8)
    distributor = setup.distributor.user

    assert commissions_remind_available() == 2  # the distributor and the parent
    assert commissions_remind_available() == 0
    row = Notification.objects.get(dedupe_key=f"distribution.available:{order.pk}:{distributor.pk}")
    assert row.context["amount"] == "2.99"

    finance = staff_user("finance")
    today = timezone.localdate()
    batch = payout_batch_create(period_start=today, period_end=today, actor=finance)
    payout_batch_review(batch=batch, actor=staff_user("finance"))
    payout_batch_mark_paid(batch=batch, actor=finance, reference="BANK-1")

    assert payouts_remind_paid() == 2
    assert payouts_remind_paid() == 0
    row = Notification.objects.get(
        dedupe_key=f"distribution.payout_paid:{batch.pk}:{distributor.pk}"
    )
    assert (row.context["amount"], row.context["reference"]) == ("2.99", "BANK-1")
