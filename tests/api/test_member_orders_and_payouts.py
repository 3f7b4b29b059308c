"""The API's new capabilities: a member places and pays their own orders; finance builds,
reviews and pays out commission batches. Each is scoped to its owner."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.chains.models import ChainItem
from apps.distribution.models import CommissionEntry, PayoutBatch
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.distribution.factories import complete, dist_setup, paid

pytestmark = pytest.mark.django_db


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def order_body(setup: ChainSetup, **overrides: Any) -> dict[str, Any]:
    return {
        "chain": setup.chain.slug,
        "items": [{"item": setup.items[0].pk, "quantity": 2}],
        "contact_name": "小李",
        "contact_phone": "138-0000-2222",
        "pickup_point": setup.pickup_points[1].pk,
        **overrides,
    }


def test_a_member_places_an_order_and_gets_its_number_and_pickup_code() -> None:
    setup = open_chain(caps=(10,))
    member = UserFactory()

    response = client_for(member).post("/api/v1/my/orders/", order_body(setup), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending_payment"
    assert data["entry"]["sequence"] == 1
    assert data["entry"]["pickup_point"] == setup.pickup_points[1].pk
    assert Decimal(data["total_amount"]) == setup.items[0].group_price * 2
    assert Order.objects.get(pk=data["id"]).buyer == member
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 8


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"chain": "nope"}, 404, None),
        ({"items": [{"item": 999999, "quantity": 1}]}, 400, "items"),
        ({"items": []}, 400, "items"),
        ({"pickup_point": 999999}, 400, "pickup_point"),
        ({"contact_phone": "12"}, 400, "contact_phone"),
        ({"items": [{"item": 0, "quantity": 1}]}, 400, "items.0.item"),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(
    overrides: dict[str, Any], status: int, field: str | None
) -> None:
    setup = open_chain(caps=(10,))
    response = client_for(UserFactory()).post(
        "/api/v1/my/orders/", order_body(setup, **overrides), format="json"
    )
    assert response.status_code == status, response.json()
    if field:
        assert response.json()["field"].startswith(field.split(".")[0])
    assert not Order.objects.exists()


def test_members_see_only_their_own_orders() -> None:
    setup = open_chain(caps=(10,))
    alice, bob = client_for(UserFactory()), client_for(UserFactory())
    mine = alice.post("/api/v1/my/orders/", order_body(setup), format="json").json()["id"]
    bob.post("/api/v1/my/orders/", order_body(setup, contact_phone="13800003333"), format="json")

    listed = alice.get("/api/v1/my/orders/", {"chain": setup.chain.slug}).json()

    assert [row["id"] for row in listed["results"]] == [mine]
    assert bob.get(f"/api/v1/my/orders/{mine}/").status_code == 404
    assert (
        bob.post(
            f"/api/v1/my/orders/{mine}/pay/", {"provider": "sandbox"}, format="json"
        ).status_code
        == 404
    )


def test_paying_with_a_provider_that_is_not_enabled_is_a_400(settings: Any) -> None:
    settings.PAYMENTS_SANDBOX = False
    setup = open_chain(caps=(10,))
    client = client_for(UserFactory())
    order_id = client.post("/api/v1/my/orders/", order_body(setup), format="json").json()["id"]

    response = client.post(
        f"/api/v1/my/orders/{order_id}/pay/", {"provider": "sandbox"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "provider"


def test_paying_in_the_sandbox_opens_a_payment(settings: Any) -> None:
    settings.PAYMENTS_SANDBOX = True
    setup = open_chain(caps=(10,))
    client = client_for(UserFactory())
    order_id = client.post("/api/v1/my/orders/", order_body(setup), format="json").json()["id"]

    response = client.post(
        f"/api/v1/my/orders/{order_id}/pay/",
        {"provider": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["provider"] == "sandbox"
    assert response.json()["status"] == "created"
    assert Decimal(response.json()["amount"]) == Order.objects.get(pk=order_id).total_amount


def _finance() -> User:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.FINANCE))
    return user


def test_finance_builds_reviews_and_pays_a_batch_once_even_when_retried(settings: Any) -> None:
    settings.DISTRIBUTION_MIN_PAYOUT = Decimal("0.01")
    setup = dist_setup()
    complete(paid(setup.chain, code=setup.distributor.code), days_ago=60)  # past after-sales
    client = client_for(_finance())
    period = {
        "period_start": str(date.today() - timedelta(days=30)),
        "period_end": str(date.today()),
    }

    created = client.post("/api/v1/distribution/payouts/", period, format="json")
    assert created.status_code == 201, created.json()
    batch_id = created.json()["id"]
    assert client.post(f"/api/v1/distribution/payouts/{batch_id}/review/").status_code == 200
    for _ in range(2):
        paid_out = client.post(
            f"/api/v1/distribution/payouts/{batch_id}/mark-paid/",
            {"reference": "BANK-001"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="payout-1",
        )
        assert paid_out.status_code == 200
    assert PayoutBatch.objects.get(pk=batch_id).status == PayoutBatch.Status.PAID
    assert CommissionEntry.objects.filter(kind=CommissionEntry.Kind.PAYOUT).count() == len(
        created.json()["lines"]
    )


def test_only_finance_sees_or_makes_payout_batches() -> None:
    batch = PayoutBatch.objects.create(
        period_start=date.today(),
        period_end=date.today(),
        total_amount=Decimal("5.00"),
        created_by=_finance(),
    )
    leader = client_for(UserFactory())

    assert leader.get("/api/v1/distribution/payouts/").json()["results"] == []
    assert leader.get(f"/api/v1/distribution/payouts/{batch.pk}/").status_code == 404
    created = leader.post(
        "/api/v1/distribution/payouts/",
        {"period_start": "2026-01-01", "period_end": "2026-01-31"},
        format="json",
    )
    assert created.status_code == 403
    assert PayoutBatch.objects.count() == 1
