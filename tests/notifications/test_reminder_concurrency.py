"""At most one reminder per member under real concurrency: overlapping beat runs and senders on
real threads, each with its own PostgreSQL connection, against a loopback Tencent SMS server."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.analytics.models import Event
from apps.chains.models import Chain
from apps.chains.reminders import chains_remind_closing_soon
from apps.communities.models import Membership
from apps.notifications.models import Notification
from apps.notifications.services import notifications_requeue_stuck, notifications_send_due
from tests.chains.factories import open_chain
from tests.notifications.fakes import FakeTencentSMS, bulk_members
from tests.notifications.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_overlapping_beats_and_senders_text_each_viewer_exactly_once(
    tencent_sms: FakeTencentSMS, settings: Any
) -> None:
    # Given a chain closing within the hour, viewed by 60 members of its group
    settings.NOTIFICATIONS_QUIET_START_HOUR = settings.NOTIFICATIONS_QUIET_END_HOUR = 0
    settings.NOTIFICATIONS_CHUNK_SIZE = 25  # three chunks, so chunks race each other too
    setup = open_chain()
    Chain.objects.filter(pk=setup.chain.pk).update(closes_at=timezone.now() + timedelta(minutes=50))
    members = bulk_members(60, prefix="viewer")
    Membership.objects.bulk_create(
        Membership(community=setup.community, user=member) for member in members
    )
    Event.objects.bulk_create(
        Event(
            name="chain_viewed",
            occurred_at=timezone.now(),
            distinct_id=f"browser-{member.pk}",
            actor=member,
            community_id=setup.community.pk,
            subject_type="chains.chain",
            subject_id=setup.chain.pk,
        )
        for member in members
    )

    # When four beat runs overlap (each sends its chunks inline: Celery is eager here), and
    # two more senders and the sweeper run at the same time
    def work(index: int) -> None:
        if index < 4:
            chains_remind_closing_soon()
        elif index < 6:
            notifications_send_due(batch=1000)
        else:
            notifications_requeue_stuck()

    errors = run_together(7, work)
    notifications_send_due(batch=1000)  # whatever a sender skipped while it was locked

    # Then every member got one text, and the outbox has one sent row each
    assert errors == []
    assert sorted(tencent_sms.numbers) == sorted(f"+86{member.phone}" for member in members)
    rows = Notification.objects.filter(template="chain_closing_soon")
    assert rows.count() == 60
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}
    # sent in batches (one call per chunk or claim), never one call per member
    assert all(len(call["PhoneNumberSet"]) <= 25 for call in tencent_sms.calls)
    assert len(tencent_sms.calls) <= 12
