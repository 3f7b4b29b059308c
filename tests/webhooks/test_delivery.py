"""Events reach a real HTTP receiver on loopback (with the development setting on): signed,
after the commit only, retried with backoff for 24 hours, and a failing subscription turns
itself off and tells its owner."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.chains.models import ChainEntry
from apps.chains.services import chain_close, chain_order_place
from apps.communities.services import community_member_add
from apps.notifications.models import Notification
from apps.orders.services import order_refund
from apps.payments.services import payment_record_offline
from apps.webhooks import services
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from apps.webhooks.services import (
    next_attempt_after,
    subscription_create,
    subscription_send_test,
    subscription_update,
    webhooks_deliver_due,
)
from tests.accounts.factories import UserFactory
from tests.catalog.factories import MerchantFactory, ProductFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
Status = WebhookDelivery.Status


def _place(setup: ChainSetup, *, phone: str = "13800138000", quantity: int = 2) -> ChainEntry:
    return chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="张三",
        contact_phone=phone,
        quantities={setup.items[0].pk: quantity},
        pickup_point=setup.pickup_points[0],
        submission_token=uuid.uuid4().hex,
    )


def _subscribe(setup: ChainSetup, receiver: Receiver, *events: str) -> WebhookSubscription:
    return subscription_create(
        community=setup.community, actor=setup.leader, url=receiver.url, event_types=list(events)
    )


def _make_due(subscription: WebhookSubscription) -> None:
    WebhookDelivery.objects.filter(subscription=subscription, status=Status.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_paid_order_reaches_the_receiver_signed_with_an_event_id(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain(price=Decimal("39.90"))
    subscription = _subscribe(setup, receiver, "order.paid")

    with django_capture_on_commit_callbacks(execute=True):
        entry = _place(setup, phone="13812345678")
        payment_record_offline(order=entry.order, actor=setup.leader)

    assert len(receiver.requests) == 1  # order.placed is not subscribed to
    request = receiver.requests[0]
    # The receiver checks the signature on its own: HMAC-SHA256(secret, "<t>.<raw body>").
    parts = dict(part.split("=", 1) for part in request.headers["X-Tuangou-Signature"].split(","))
    expected = hmac.new(
        subscription.secret.encode(), parts["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert abs(int(parts["t"]) - timezone.now().timestamp()) < 60
    payload = json.loads(request.body)
    assert request.headers["X-Tuangou-Event"] == "order.paid"
    assert request.headers["X-Tuangou-Event-Id"] == payload["id"]
    assert request.path == "/hooks/tuangou"
    order = payload["data"]["order"]
    assert payload["type"] == "order.paid"
    assert payload["community"] == {"id": setup.community.pk, "name": setup.community.name}
    assert order["id"] == entry.order.pk
    assert order["status"] == "paid"
    assert order["paid_amount"] == "79.80"  # money as a string, never a float
    assert order["sequence"] == entry.sequence
    assert order["chain"]["slug"] == setup.chain.slug
    assert order["contact_phone"] == "138****5678"
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == Status.SUCCEEDED
    assert str(delivery.event_id) == payload["id"]
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 200
    assert attempt.succeeded
    assert attempt.response_excerpt == '{"ok":true}'
    assert attempt.duration_ms < 10_000


def test_nothing_is_sent_before_the_commit_nor_after_a_rollback(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    _subscribe(setup, receiver, "order.placed", "order.paid")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _place(setup)
    assert receiver.requests == []  # inside the transaction: nothing sent, nothing recorded
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the commit
        for callback in callbacks:
            callback()
    assert [r.headers["X-Tuangou-Event"] for r in receiver.requests] == ["order.placed"]

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _place(setup, phone="13900000001")
        raise RuntimeError("the change fails after the event")
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


def test_retries_back_off_keep_the_event_id_and_succeed_later(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.placed")
    receiver.status = 500

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _place(setup)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert delivery.next_attempt_at is not None
    assert timedelta(seconds=55) < delivery.next_attempt_at - before < timedelta(seconds=65)
    assert webhooks_deliver_due() == 0  # not due yet: nothing sent

    _make_due(subscription)
    assert webhooks_deliver_due() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=110) < wait <= timedelta(minutes=2)

    receiver.status = 204
    _make_due(subscription)
    assert webhooks_deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 500, 204]
    assert len({r.headers["X-Tuangou-Event-Id"] for r in receiver.requests}) == 1
    assert [r.headers["X-Tuangou-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0  # a success resets the count


def test_the_backoff_schedule_doubles_to_six_hours_and_ends_at_24_hours() -> None:
    created = timezone.now()
    now, attempts, offsets = created, 1, []
    while (retry := next_attempt_after(created_at=created, attempts=attempts, now=now)) is not None:
        offsets.append(int((retry - created).total_seconds() // 60))
        now, attempts = retry, attempts + 1

    assert offsets == [1, 3, 7, 15, 31, 63, 127, 255, 511, 871, 1231, 1440]
    assert attempts == 13  # the first try and 12 retries, the last one at the 24th hour


def test_a_delivery_failing_past_its_window_is_given_up(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.placed")
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        _place(setup)
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    _make_due(subscription)

    webhooks_deliver_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.FAILED,
        2,
        None,
    )


def test_repeated_failures_turn_the_subscription_off_and_tell_the_owner(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.placed")
    receiver.status = 503

    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            _place(setup, phone=f"1390000000{number}")

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.disabled_at is not None
    assert subscription.consecutive_failures == 3
    told = Notification.objects.get(template="webhook_disabled")
    assert told.recipient == setup.community.owner
    assert told.context["url"] == receiver.url

    # Off: later events are not recorded, and due retries wait instead of going out.
    with django_capture_on_commit_callbacks(execute=True):
        _place(setup, phone="13900000009")
    _make_due(subscription)
    assert webhooks_deliver_due() == 0
    assert len(receiver.requests) == 3
    assert WebhookDelivery.objects.count() == 3

    # Turned back on by its owner: the count starts afresh and the waiting retries go out.
    receiver.status = 200
    subscription_update(
        subscription=subscription,
        actor=setup.leader,
        url=subscription.url,
        event_types=subscription.event_types,
        active=True,
    )
    _make_due(subscription)
    assert webhooks_deliver_due() == 3
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.consecutive_failures == 0


def test_send_test_goes_once_and_does_not_count_towards_turning_off(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 1
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.paid")
    receiver.status = 500

    with django_capture_on_commit_callbacks(execute=True):
        subscription_send_test(subscription=subscription, actor=setup.leader)

    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "webhook.test"
    assert (delivery.status, delivery.next_attempt_at) == (Status.FAILED, None)  # no retries
    assert receiver.requests[0].headers["X-Tuangou-Event"] == "webhook.test"
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.consecutive_failures == 0


def test_redirects_are_not_followed(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.placed")
    receiver.status = 302
    receiver.location = "http://169.254.169.254/latest/meta-data/"

    with django_capture_on_commit_callbacks(execute=True):
        _place(setup)

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, 302)
    assert len(receiver.requests) == 1


def test_an_address_that_turned_private_is_refused_at_send_time(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture, settings: Any
) -> None:
    setup = open_chain()
    subscription = _subscribe(setup, receiver, "order.placed")  # saved while allowed
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    with django_capture_on_commit_callbacks(execute=True):
        _place(setup)

    assert receiver.requests == []
    attempt = WebhookDelivery.objects.get(subscription=subscription).attempt_log.get()
    assert attempt.status_code is None
    assert "127.0.0.1" in attempt.error


def test_a_merchant_sees_only_its_own_lines_and_no_contact_details(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain(caps=(50, 50))
    other_merchant = MerchantFactory()
    product = setup.skus[1].product
    product.merchant = other_merchant
    product.save(update_fields=["merchant"])
    own_merchant = setup.skus[0].product.merchant
    staff = UserFactory()
    own_merchant.staff.add(staff)
    subscription_create(
        merchant=own_merchant, actor=staff, url=receiver.url, event_types=["order.placed"]
    )
    unrelated = MerchantFactory()
    ProductFactory(merchant=unrelated)
    unrelated.staff.add(staff)
    subscription_create(
        merchant=unrelated, actor=staff, url=receiver.url + "/x", event_types=["order.placed"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name="张三",
            contact_phone="13812345678",
            quantities={setup.items[0].pk: 1, setup.items[1].pk: 2},
            pickup_point=setup.pickup_points[0],
            submission_token="t-merchant",
        )

    assert len(receiver.requests) == 1  # the unrelated merchant's subscription got nothing
    payload = json.loads(receiver.requests[0].body)
    order = payload["data"]["order"]
    assert payload["merchant"]["id"] == own_merchant.pk
    assert [line["sku"] for line in order["lines"]] == [setup.skus[0].code]
    assert "contact_phone" not in order
    assert "contact_name" not in order
    assert "total_amount" not in order


def test_chain_refund_and_member_events_are_delivered(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    _subscribe(setup, receiver, "chain.closed", "order.refunded", "member.joined")

    with django_capture_on_commit_callbacks(execute=True):
        entry = _place(setup)
        payment_record_offline(order=entry.order, actor=setup.leader)
        order_refund(order=entry.order, actor=setup.leader, reason="坏果")
        community_member_add(community=setup.community, user=UserFactory(), nickname="小王")
        chain_close(chain=setup.chain, actor=setup.leader)

    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["order.refunded", "member.joined", "chain.closed"]
    assert bodies[0]["data"]["refund"]["amount"] == bodies[0]["data"]["order"]["refunded_amount"]
    assert bodies[1]["data"]["member"]["name"] == "小王"
    assert bodies[2]["data"]["chain"]["status"] == "closed"


def test_recording_the_same_event_twice_delivers_it_once(receiver: Receiver) -> None:
    setup = open_chain()
    _subscribe(setup, receiver, "member.joined")
    event_id = str(uuid.uuid4())

    for _ in range(2):
        occurred_at = timezone.now()
        services.webhook_event_publish(
            subscriptions=services.event_subscriptions(
                event_type="member.joined",
                occurred_at=occurred_at,
                community_id=setup.community.pk,
                merchant_ids=None,
            ),
            event_type="member.joined",
            event_id=event_id,
            occurred_at=occurred_at,
            community=setup.community,
            render=lambda merchant: {"member": {}},
        )

    assert WebhookDelivery.objects.count() == 1


def test_an_order_nobody_subscribed_to_costs_one_query_after_the_commit(
    receiver: Receiver, django_capture_on_commit_callbacks: Capture
) -> None:
    setup = open_chain()
    _subscribe(setup, receiver, "member.joined")  # subscribed, but not to orders
    with django_capture_on_commit_callbacks() as callbacks:
        _place(setup)

    with CaptureQueriesContext(connection) as after_commit:
        for callback in callbacks:
            callback()

    # Only the question "who wants order.placed?": the order is not reloaded for nobody.
    (query,) = [q["sql"] for q in after_commit.captured_queries]
    assert "webhooks_webhooksubscription" in query
    assert WebhookDelivery.objects.count() == 0
