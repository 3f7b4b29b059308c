"""Finished orders lose their contact phone and address after PRIVACY_ADDRESS_RETENTION_DAYS."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.audit.models import OrderEvent
from apps.orders.models import Order
from apps.privacy.services import orders_anonymise_finished
from apps.privacy.tasks import orders_anonymise_finished_task
from tests.distribution.factories import complete, dist_setup, paid, place

pytestmark = pytest.mark.django_db


def test_finished_orders_past_the_retention_lose_phone_and_note(settings: Any) -> None:
    settings.PRIVACY_ADDRESS_RETENTION_DAYS = 90
    setup = dist_setup(price=Decimal("20.00")).chain
    old = complete(paid(setup, phone="13700000001"), days_ago=91)
    recent = complete(paid(setup, phone="13700000002"), days_ago=89)
    pending = place(setup, phone="13700000003")
    Order.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=200))
    Order.objects.update(note="幸福小区5号楼")
    totals = Order.objects.aggregate(Sum("total_amount"), Sum("paid_amount"))

    assert orders_anonymise_finished() == 1
    assert orders_anonymise_finished_task() == 0  # idempotent: nothing left to do

    old.refresh_from_db()
    assert (old.contact_phone, old.note, old.contact_name) == ("", "", "张*")
    assert Order.objects.get(pk=recent.pk).contact_phone == "13700000002"
    assert Order.objects.get(pk=pending.pk).contact_phone == "13700000003"
    assert Order.objects.aggregate(Sum("total_amount"), Sum("paid_amount")) == totals
    assert not OrderEvent.objects.filter(pgh_obj_id=old.pk, contact_phone="13700000001").exists()
    assert OrderEvent.objects.filter(pgh_obj_id=recent.pk, contact_phone="13700000002").exists()


def test_the_retention_comes_from_the_setting(settings: Any) -> None:
    setup = dist_setup().chain
    order = complete(paid(setup, phone="13700000009"), days_ago=10)
    settings.PRIVACY_ADDRESS_RETENTION_DAYS = 30
    assert orders_anonymise_finished() == 0
    settings.PRIVACY_ADDRESS_RETENTION_DAYS = 7
    assert orders_anonymise_finished() == 1
    order.refresh_from_db()
    assert order.contact_phone == ""


def test_the_task_is_scheduled_after_migrate() -> None:
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="privacy.orders_anonymise_finished").exists()
