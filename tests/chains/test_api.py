"""The leader's JSON API under /api/v1/, through DRF's APIClient."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.catalog.models import SKU
from apps.chains.models import Chain, ChainItem, PickupPoint
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_order_place
from apps.communities.models import Community
from apps.orders.models import Order, OrderRefund
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory
from tests.catalog.factories import SKUFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def place(setup: ChainSetup, n: int, *, quantity: int = 1, point: int = 0) -> Order:
    return chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name=f"顾客{n}",
        contact_phone=f"1380000{n:04d}",
        quantities={setup.items[0].pk: quantity},
        pickup_point=setup.pickup_points[point],
        submission_token=f"{setup.chain.pk}-{n}",
    ).order


def paid(setup: ChainSetup, n: int, *, quantity: int = 1) -> Order:
    return order_mark_paid(order=place(setup, n, quantity=quantity), actor=setup.leader)


def add_chain(
    setup: ChainSetup,
    *,
    community: Community | None = None,
    closes_in: timedelta = timedelta(days=2),
) -> Chain:
    """Another draft chain of the same leader, selling the same SKU."""
    community = community or setup.community
    point = PickupPoint.objects.filter(community=community).first() or PickupPoint.objects.create(
        community=community, name="南门", address="南门"
    )
    return chain_create(
        leader=setup.leader,
        community=community,
        details=ChainDetails(
            title="下周蔬菜", description="", closes_at=timezone.now() + closes_in
        ),
        items=[ItemSpec(sku=setup.skus[0], group_price=Decimal("9.90"), stock_cap=5)],
        pickup_points=[point],
    )


def ids(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Chains -------------------------------------------------------------------------------


def test_the_leader_lists_and_reads_their_chain() -> None:
    setup = open_chain(caps=(50,), price=Decimal("29.90"), per_person_limit=3)
    paid(setup, 1, quantity=2)
    place(setup, 2)
    client = client_for(setup.leader)

    listed = client.get("/api/v1/chains/")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == setup.chain.pk
    assert body["results"][0]["status"] == "open"
    assert body["results"][0]["entry_count"] == 2
    assert body["results"][0]["community"] == {
        "id": setup.community.pk,
        "name": setup.community.name,
    }

    detail = client.get(f"/api/v1/chains/{setup.chain.pk}/").json()
    assert detail["items"] == [
        {
            "id": setup.items[0].pk,
            "sku": setup.skus[0].pk,
            "title": setup.items[0].title,
            "group_price": "29.90",
            "member_price": None,
            "stock_cap": 50,
            "remaining": 47,
            "sold": 3,
            "per_person_limit": 3,
        }
    ]
    assert [point["id"] for point in detail["pickup_points"]] == [
        point.pk for point in setup.pickup_points
    ]
    assert detail["summary"] == {
        "entries": 2,
        "by_status": {"paid": 1, "pending_payment": 1},
        "revenue": "59.80",
    }
    assert detail["share_url"].endswith(f"/c/{setup.chain.slug}/")


def test_chains_filter_by_status_and_community_and_order_by_deadline() -> None:
    setup = open_chain()
    second_community = CommunityFactory(owner=setup.leader)
    later = add_chain(setup, closes_in=timedelta(days=5))
    elsewhere = add_chain(setup, community=second_community, closes_in=timedelta(days=3))
    client = client_for(setup.leader)

    assert ids(client.get("/api/v1/chains/", {"status": "open"})) == [setup.chain.pk]
    assert set(ids(client.get("/api/v1/chains/", {"status": "draft"}))) == {
        later.pk,
        elsewhere.pk,
    }
    by_community = client.get("/api/v1/chains/", {"community": second_community.pk})
    assert ids(by_community) == [elsewhere.pk]
    someone_elses = client.get("/api/v1/chains/", {"community": open_chain().community.pk})
    assert ids(someone_elses) == []
    assert ids(client.get("/api/v1/chains/", {"ordering": "closes_at"})) == [
        setup.chain.pk,
        elsewhere.pk,
        later.pk,
    ]
    assert ids(client.get("/api/v1/chains/", {"ordering": "-closes_at"})) == [
        later.pk,
        elsewhere.pk,
        setup.chain.pk,
    ]
    bad = client.get("/api/v1/chains/", {"status": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "status"


def create_payload(setup: ChainSetup, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "community": setup.community.pk,
        "title": "  周三海鲜团 ",
        "description": "舟山直发",
        "closes_at": (timezone.now() + timedelta(days=2)).isoformat(),
        "fulfilment": "pickup",
        "min_group_size": 5,
        "pickup_points": [setup.pickup_points[0].pk],
        "items": [
            {
                "sku": setup.skus[0].pk,
                "group_price": "88.00",
                "stock_cap": 20,
                "per_person_limit": 2,
                "title": "带鱼 2斤",
            }
        ],
    }
    payload.update(overrides)
    return payload


def test_the_leader_creates_a_draft_chain_and_opens_it() -> None:
    setup = open_chain(stock=100)
    client = client_for(setup.leader)

    created = client.post("/api/v1/chains/", create_payload(setup), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    chain = Chain.objects.get(pk=body["id"])
    assert (chain.title, chain.status, chain.leader, chain.min_group_size) == (
        "周三海鲜团",
        Chain.Status.DRAFT,
        setup.leader,
        5,
    )
    assert body["items"][0]["group_price"] == "88.00"
    assert body["items"][0]["remaining"] == 20
    assert [point["id"] for point in body["pickup_points"]] == [setup.pickup_points[0].pk]

    opened = client.post(f"/api/v1/chains/{chain.pk}/open/")
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    chain.refresh_from_db()
    assert chain.status == Chain.Status.OPEN


def foreign_sku(setup: ChainSetup) -> int:
    return SKUFactory().pk


def foreign_point(setup: ChainSetup) -> int:
    return open_chain().pickup_points[0].pk


def point_of_my_other_community(setup: ChainSetup) -> int:
    other = CommunityFactory(owner=setup.leader)
    return PickupPoint.objects.create(community=other, name="西门", address="西门").pk


def item(setup: ChainSetup, **overrides: Any) -> list[dict[str, Any]]:
    return [{"sku": setup.skus[0].pk, "group_price": "9.90", "stock_cap": 5, **overrides}]


BAD_CREATES = [
    pytest.param(
        lambda s: {"closes_at": (timezone.now() - timedelta(minutes=1)).isoformat()},
        400,
        "closes_at",
        id="past-deadline",
    ),
    pytest.param(lambda s: {"items": item(s, group_price="0")}, 400, "items", id="price-0"),
    pytest.param(lambda s: {"items": item(s, stock_cap=101)}, 400, "items", id="cap-over-stock"),
    pytest.param(
        lambda s: {"items": item(s, sku=foreign_sku(s))}, 400, "items.0.sku", id="foreign-sku"
    ),
    pytest.param(lambda s: {"items": []}, 400, "items", id="no-items"),
    pytest.param(
        lambda s: {"items": item(s, stock_cap="many")},
        400,
        "items.0.stock_cap",
        id="cap-not-a-number",
    ),
    pytest.param(
        lambda s: {"community": open_chain().community.pk}, 400, "community", id="foreign-community"
    ),
    pytest.param(
        lambda s: {"pickup_points": [foreign_point(s)]}, 400, "pickup_points", id="foreign-point"
    ),
    pytest.param(
        lambda s: {"pickup_points": [point_of_my_other_community(s)]},
        403,
        "pickup_points",
        id="point-of-another-of-my-groups",
    ),
    pytest.param(lambda s: {"title": ""}, 400, "title", id="no-title"),
    pytest.param(
        lambda s: {"items": item(s, per_person_limit=2**40)},
        400,
        "items.0.per_person_limit",
        id="limit-too-large-for-the-database",
    ),
    pytest.param(lambda s: {"min_group_size": 0}, 400, "min_group_size", id="group-size-below-1"),
]


@pytest.mark.parametrize(("overrides", "status", "field"), BAD_CREATES)
def test_bad_chain_input_is_refused_and_creates_nothing(
    overrides: Any, status: int, field: str
) -> None:
    setup = open_chain(stock=100)
    payload = create_payload(setup, **overrides(setup))
    before = (Chain.objects.count(), ChainItem.objects.count())

    response = client_for(setup.leader).post("/api/v1/chains/", payload, format="json")

    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] and body["message"]
    assert body["field"] == field
    assert (Chain.objects.count(), ChainItem.objects.count()) == before


def test_closing_and_cancelling_a_chain() -> None:
    setup = open_chain()
    paid_order = paid(setup, 1, quantity=2)
    unpaid_order = place(setup, 2)
    client = client_for(setup.leader)

    closed = client.post(f"/api/v1/chains/{setup.chain.pk}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"

    cancelled = client.post(
        f"/api/v1/chains/{setup.chain.pk}/cancel/", {"reason": "货源断了"}, format="json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    paid_order.refresh_from_db()
    unpaid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_amount == paid_order.paid_amount
    assert unpaid_order.status == Order.Status.CANCELLED

    again = client.post(f"/api/v1/chains/{setup.chain.pk}/cancel/", format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"


def test_opening_an_open_chain_is_a_conflict() -> None:
    setup = open_chain()
    response = client_for(setup.leader).post(f"/api/v1/chains/{setup.chain.pk}/open/")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


# --- Who sees what --------------------------------------------------------------------------


def test_another_leader_sees_none_of_it_and_can_change_nothing() -> None:
    mine = open_chain()
    order = place(mine, 1)
    theirs = open_chain()
    their_order = place(theirs, 1)
    client = client_for(theirs.leader)

    assert ids(client.get("/api/v1/chains/")) == [theirs.chain.pk]
    assert ids(client.get("/api/v1/orders/")) == [their_order.pk]
    assert ids(client.get("/api/v1/orders/", {"chain": mine.chain.pk})) == []
    for path in [
        f"/api/v1/chains/{mine.chain.pk}/",
        f"/api/v1/chains/{mine.chain.pk}/entries/",
        f"/api/v1/orders/{order.pk}/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    for path in [
        f"/api/v1/chains/{mine.chain.pk}/close/",
        f"/api/v1/chains/{mine.chain.pk}/cancel/",
        f"/api/v1/orders/{order.pk}/mark-paid/",
        f"/api/v1/orders/{order.pk}/cancel/",
    ]:
        assert client.post(path, {}, format="json").status_code == 404, path
    refund = client.post(f"/api/v1/orders/{order.pk}/refund/", {"reason": "试试"}, format="json")
    assert refund.status_code == 404

    mine.chain.refresh_from_db()
    order.refresh_from_db()
    assert mine.chain.status == Chain.Status.OPEN
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chains/99999999999999999999999/",
        "/api/v1/chains/99999999999999999999999/entries/",
        "/api/v1/orders/99999999999999999999999/",
        "/api/v1/orders/not-a-number/",
    ],
)
def test_ids_out_of_range_are_not_found(path: str) -> None:
    response = client_for(open_chain().leader).get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_member_of_the_group_is_not_a_leader() -> None:
    setup = open_chain()
    member = UserFactory()
    setup.community.memberships.create(user=member)
    client = client_for(member)
    assert client.get("/api/v1/chains/").json()["count"] == 0
    assert client.get(f"/api/v1/chains/{setup.chain.pk}/").status_code == 404


def test_an_admin_of_the_group_runs_its_chains() -> None:
    setup = open_chain()
    admin = UserFactory()
    setup.community.memberships.create(user=admin, role="admin")
    assert ids(client_for(admin).get("/api/v1/chains/")) == [setup.chain.pk]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/chains/"),
        ("post", "/api/v1/chains/"),
        ("get", "/api/v1/chains/1/"),
        ("get", "/api/v1/chains/1/entries/"),
        ("get", "/api/v1/orders/"),
        ("post", "/api/v1/orders/1/mark-paid/"),
    ],
)
def test_anonymous_requests_are_refused(method: str, path: str) -> None:
    response = getattr(APIClient(), method)(path)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_a_bot_authenticates_with_a_token() -> None:
    setup = open_chain()
    token = Token.objects.create(user=setup.leader)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get("/api/v1/chains/")) == [setup.chain.pk]

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/chains/")
    assert response.status_code in (401, 403)  # 403 while session authentication comes first
    assert response.json()["code"] == "authentication_failed"


# --- Entries and orders ---------------------------------------------------------------------


def test_entries_carry_their_order_and_filter_by_status_and_pickup_point() -> None:
    setup = open_chain()
    first = paid(setup, 1, quantity=2)
    place(setup, 2, point=1)
    client = client_for(setup.leader)
    url = f"/api/v1/chains/{setup.chain.pk}/entries/"

    rows = client.get(url).json()["results"]
    assert [row["sequence"] for row in rows] == [1, 2]
    order = rows[0]["order"]
    assert order["number"] == first.number
    assert order["status"] == "paid"
    assert (order["contact_name"], order["contact_phone"]) == ("顾客1", "13800000001")
    assert (order["total_amount"], order["paid_amount"], order["refunded_amount"]) == (
        "59.80",
        "59.80",
        "0.00",
    )
    assert [(line["title"], line["quantity"], line["line_total"]) for line in order["lines"]] == [
        (setup.items[0].title, 2, "59.80")
    ]

    by_status = client.get(url, {"status": "pending_payment"}).json()["results"]
    assert [row["sequence"] for row in by_status] == [2]
    by_point = client.get(url, {"pickup_point": setup.pickup_points[1].pk}).json()["results"]
    assert [row["sequence"] for row in by_point] == [2]
    by_phone = client.get(url, {"q": "13800000002"}).json()["results"]
    assert [row["sequence"] for row in by_phone] == [2]
    another_chains_point = client.get(url, {"pickup_point": open_chain().pickup_points[0].pk})
    assert another_chains_point.status_code == 400
    assert another_chains_point.json()["field"] == "pickup_point"


def test_orders_filter_by_status_and_chain() -> None:
    setup = open_chain()
    first = paid(setup, 1)
    second = place(setup, 2)
    other_chain = add_chain(setup)
    client = client_for(setup.leader)

    assert ids(client.get("/api/v1/orders/")) == [second.pk, first.pk]
    assert ids(client.get("/api/v1/orders/", {"status": "paid"})) == [first.pk]
    assert ids(client.get("/api/v1/orders/", {"chain": setup.chain.pk})) == [second.pk, first.pk]
    assert ids(client.get("/api/v1/orders/", {"chain": other_chain.pk})) == []
    detail = client.get(f"/api/v1/orders/{first.pk}/").json()
    assert detail["entry"]["chain"] == setup.chain.pk
    assert detail["entry"]["sequence"] == 1


def test_an_order_goes_paid_ready_completed() -> None:
    setup = open_chain()
    order = place(setup, 1, quantity=2)
    client = client_for(setup.leader)
    url = f"/api/v1/orders/{order.pk}"

    paid_response = client.post(f"{url}/mark-paid/", {"method": "wechat"}, format="json")
    assert paid_response.status_code == 200
    assert paid_response.json()["status"] == "paid"
    assert paid_response.json()["paid_amount"] == "59.80"
    assert paid_response.json()["payment_method"] == "wechat"
    assert client.post(f"{url}/mark-ready/").json()["status"] == "ready_for_pickup"
    completed = client.post(f"{url}/complete/")
    assert completed.status_code == 200
    assert completed.json()["status"] == "completed"
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.completed_at is not None


def test_an_illegal_transition_is_a_conflict_with_a_code() -> None:
    setup = open_chain()
    order = place(setup, 1)
    client = client_for(setup.leader)

    for action in ["mark-ready", "complete"]:
        response = client.post(f"/api/v1/orders/{order.pk}/{action}/")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        assert "待付款" in response.json()["message"]
    refund = client.post(f"/api/v1/orders/{order.pk}/refund/", {"reason": "不要了"}, format="json")
    assert refund.status_code == 409
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_cancelling_an_unpaid_order_gives_the_stock_back() -> None:
    setup = open_chain(caps=(50,))
    order = place(setup, 1, quantity=3)
    response = client_for(setup.leader).post(
        f"/api/v1/orders/{order.pk}/cancel/", {"reason": "买家不要了"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 50


def money_and_stock(order: Order, setup: ChainSetup) -> tuple[object, ...]:
    order.refresh_from_db()
    return (
        order.status,
        order.paid_amount,
        order.refunded_amount,
        [line.refunded_quantity for line in order.lines.order_by("pk")],
        SKU.objects.get(pk=setup.skus[0].pk).stock,
        ChainItem.objects.get(pk=setup.items[0].pk).remaining,
        OrderRefund.objects.count(),
    )


def test_a_refund_beyond_what_was_paid_or_of_a_foreign_line_changes_nothing() -> None:
    setup = open_chain()
    order = paid(setup, 1, quantity=2)
    other_line = place(setup, 2).lines.get()
    line = order.lines.get()
    client = client_for(setup.leader)
    url = f"/api/v1/orders/{order.pk}/refund/"
    before = money_and_stock(order, setup)

    cases: list[tuple[dict[str, Any], str]] = [
        ({"lines": [{"line": line.pk, "quantity": 3}]}, "quantities"),
        (
            {"lines": [{"line": line.pk, "quantity": 1}, {"line": line.pk, "quantity": 2}]},
            "quantities",
        ),
        ({"lines": [{"line": other_line.pk, "quantity": 1}]}, "quantities"),
        ({"lines": [{"line": 10**9, "quantity": 1}]}, "quantities"),
        ({"lines": [{"line": line.pk, "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": []}, "lines"),
    ]
    for extra, field in cases:
        payload = {"reason": "坏果", "restock": True, **extra}
        response = client.post(url, payload, format="json")
        assert response.status_code == 400, (extra, response.json())
        assert response.json()["field"] == field
    no_reason = client.post(url, {"restock": True}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "required"
    assert no_reason.json()["field"] == "reason"

    assert money_and_stock(order, setup) == before


def test_a_partial_refund_then_the_rest() -> None:
    setup = open_chain(caps=(50,))
    order = paid(setup, 1, quantity=2)
    line = order.lines.get()
    client = client_for(setup.leader)
    url = f"/api/v1/orders/{order.pk}/refund/"

    partial = client.post(
        url,
        {"reason": "坏了一箱", "restock": True, "lines": [{"line": line.pk, "quantity": 1}]},
        format="json",
    )
    assert partial.status_code == 201
    body = partial.json()
    assert body["amount"] == "29.90"
    assert body["restocked"] is True
    assert body["lines"] == [{"line": line.pk, "quantity": 1, "amount": "29.90"}]
    assert body["order"]["status"] == "partially_refunded"
    assert body["order"]["refunded_amount"] == "29.90"
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 49

    rest = client.post(url, {"reason": "全退"}, format="json")
    assert rest.status_code == 201
    assert rest.json()["amount"] == "29.90"
    assert rest.json()["order"]["status"] == "refunded"
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 49  # not restocked


# --- Query counts ---------------------------------------------------------------------------


def test_the_entries_list_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    setup = open_chain(caps=(100,), stock=200)
    client = client_for(setup.leader)
    url = f"/api/v1/chains/{setup.chain.pk}/entries/"
    for n in range(5):
        paid(setup, n)
    with django_assert_max_num_queries(6) as few:
        assert len(client.get(url).json()["results"]) == 5
    for n in range(5, 30):
        place(setup, n, point=n % 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["results"]) == 30


def test_the_orders_list_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    setup = open_chain(caps=(100,), stock=200)
    client = client_for(setup.leader)
    for n in range(5):
        paid(setup, n)
    with django_assert_max_num_queries(5) as few:
        assert client.get("/api/v1/orders/").json()["count"] == 5
    for n in range(5, 30):
        place(setup, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/orders/").json()["count"] == 30


def test_the_chain_list_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    setup = open_chain()
    client = client_for(setup.leader)
    with django_assert_max_num_queries(4) as few:
        assert client.get("/api/v1/chains/").json()["count"] == 1
    for _ in range(10):
        add_chain(setup)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/chains/").json()["count"] == 11


# --- Schema ---------------------------------------------------------------------------------


def test_the_openapi_schema_is_valid_and_has_no_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in [
        "/api/v1/chains/{id}/open/",
        "/api/v1/chains/{chain_pk}/entries/",
        "/api/v1/orders/{id}/refund/",
    ]:
        assert f"{path}:" in schema
