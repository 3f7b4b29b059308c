"""Idempotency-Key on the API's money and stock effects: a repeat replays, a changed body is a
409, a concurrent duplicate never makes a second order, and old keys are purged."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.chains.models import ChainEntry, ChainItem
from apps.core.idempotency import idempotency_keys_purge
from apps.core.models import IdempotencyKey
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain

URL = "/api/v1/my/orders/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(setup: ChainSetup, quantity: int = 1) -> dict[str, Any]:
    return {
        "chain": setup.chain.slug,
        "items": [{"item": setup.items[0].pk, "quantity": quantity}],
        "contact_name": "小王",
        "contact_phone": "13800001111",
        "pickup_point": setup.pickup_points[0].pk,
    }


@pytest.mark.django_db
def test_a_repeat_with_the_same_key_returns_the_first_order_and_places_no_second() -> None:
    setup = open_chain(caps=(10,))
    client = client_for(UserFactory())

    first = client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 9


@pytest.mark.django_db
def test_the_order_itself_is_once_per_key_even_after_the_stored_response_is_gone() -> None:
    # Given an order placed with a key whose stored response was then purged
    setup = open_chain(caps=(10,))
    client = client_for(UserFactory())
    first = client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="k-gone")
    IdempotencyKey.objects.all().delete()

    # When the client retries with the same key
    again = client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="k-gone")

    # Then the order's submission token (derived from the key, as the form's token is its own)
    # finds the first order: no second order, no second unit of stock
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert "Idempotent-Replayed" not in again
    assert Order.objects.count() == 1
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 9


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_409_and_changes_nothing() -> None:
    setup = open_chain(caps=(10,))
    client = client_for(UserFactory())
    client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = client.post(URL, body(setup, quantity=2), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_user_and_without_a_key_each_post_is_new() -> None:
    setup = open_chain(caps=(10,))
    alice, bob = client_for(UserFactory()), client_for(UserFactory())

    alice.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="same")
    bob.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="same")
    alice.post(URL, body(setup), format="json")

    assert Order.objects.count() == 3


@pytest.mark.django_db
def test_a_refused_request_is_not_remembered_so_a_corrected_retry_runs() -> None:
    setup = open_chain(caps=(1,))
    client = client_for(UserFactory())

    refused = client.post(URL, body(setup, quantity=5), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code in (400, 409)
    assert not IdempotencyKey.objects.exists()

    accepted = client.post(URL, body(setup, quantity=1), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert accepted.status_code == 201


@pytest.mark.django_db
def test_a_malformed_key_is_a_400() -> None:
    setup = open_chain()
    response = client_for(UserFactory()).post(
        URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="has space"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_leader_refund_and_mark_paid_replay_instead_of_acting_twice() -> None:
    setup = open_chain(caps=(10,))
    buyer = client_for(UserFactory())
    order_id = buyer.post(URL, body(setup, quantity=2), format="json").json()["id"]
    leader = client_for(setup.leader)

    for _ in range(2):
        paid = leader.post(
            f"/api/v1/orders/{order_id}/mark-paid/", {}, format="json", HTTP_IDEMPOTENCY_KEY="p"
        )
        assert paid.status_code == 200
    refund_body = {
        "reason": "坏了一个",
        "lines": [{"line": paid.json()["lines"][0]["id"], "quantity": 1}],
    }
    first = leader.post(
        f"/api/v1/orders/{order_id}/refund/", refund_body, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    again = leader.post(
        f"/api/v1/orders/{order_id}/refund/", refund_body, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    order = Order.objects.get(pk=order_id)
    assert order.refunds.count() == 1
    assert order.refunded_amount == setup.items[0].group_price


@pytest.mark.django_db
def test_keys_older_than_the_ttl_are_purged(settings: Any) -> None:
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    setup = open_chain()
    client = client_for(UserFactory())
    client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_order_and_all_get_its_response() -> None:
    """Given four threads posting the same key at once, when they race, then one order exists
    and every thread got the same 201 body (the others waited and replayed it)."""
    setup = open_chain(caps=(10,))
    user = UserFactory()
    barrier = threading.Barrier(4)
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            client = client_for(user)
            barrier.wait()
            response = client.post(URL, body(setup), format="json", HTTP_IDEMPOTENCY_KEY="race")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Order.objects.count() == 1
    assert ChainEntry.objects.count() == 1
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 9
    assert [code for code, _ in results] == [201] * 4
    assert all(data == results[0][1] for _, data in results)
