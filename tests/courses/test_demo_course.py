"""The demo's course, tried as a new member would: trial first, buy, read, book a coach."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.courses.models import Course, Enrollment, LiveSession
from apps.courses.services import course_buy, session_buy
from apps.demo.data import demo_data_load
from apps.payments.services import payment_record_offline

pytestmark = pytest.mark.django_db


def test_demo_member_tries_buys_reads_and_books(client: Client) -> None:
    demo = demo_data_load()
    course = Course.objects.get(title="30天燃脂训练营")
    lessons = list(course.lessons.order_by("position"))
    assert course.sku.price == Decimal("399.00")
    assert len(lessons) == 6
    assert sum(lesson.is_trial for lesson in lessons) == 2
    cohort = course.cohorts.get()
    coaching = LiveSession.objects.filter(community=course.community, price__isnull=False)
    assert coaching.count() == 2 and all(s.capacity <= 3 for s in coaching)

    member = demo.users["member01"]
    client.force_login(member)
    assert client.get(reverse("courses:lesson", args=[lessons[0].pk])).status_code == 200
    assert client.get(reverse("courses:lesson", args=[lessons[2].pk])).status_code == 403

    order = course_buy(course=course, buyer=member, cohort=cohort)
    payment_record_offline(order=order, actor=course.community.owner)  # type: ignore[union-attr]
    assert Enrollment.objects.get(order=order).cohort == cohort
    assert client.get(reverse("courses:lesson", args=[lessons[2].pk])).status_code == 200
    assert client.get(reverse("courses:lesson", args=[lessons[5].pk])).status_code == 403

    slot = coaching.order_by("starts_at").first()
    assert slot is not None
    booking_order = session_buy(session=slot, buyer=member)
    assert booking_order.total_amount == slot.price
    assert "李教练" in client.get(reverse("courses:sessions")).content.decode()
    # Loading the demo again adds nothing.
    assert not demo_data_load().created
