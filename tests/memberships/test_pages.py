"""Membership pages and API: buying and paying, my membership, the leader's pages, permissions
(404 and nothing changes for anyone else) and pinned query counts."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.analytics.models import Event
from apps.memberships.models import MembershipPlan, Subscription
from apps.orders.models import Order
from apps.payments.models import Payment
from apps.payments.sandbox_flow import sandbox_pay
from apps.payments.services import payment_start
from tests.accounts.factories import UserFactory
from tests.memberships.factories import buy, make_plan

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_plan_page_tracks_a_view_and_a_member_buys_then_pays_online_in_the_sandbox(
    settings: Any, tmp_path: Path
) -> None:
    settings.PAYMENTS_SANDBOX = True
    settings.PAYMENTS_SANDBOX_DIR = tmp_path / "sandbox"
    settings.WECHATPAY_MCHID = ""
    plan = make_plan(price=Decimal("30.00"))
    user = UserFactory()
    client = _client(user)

    page = client.get(f"/communities/{plan.community_id}/membership/")
    assert page.status_code == 200
    assert "¥30.00" in page.content.decode()
    assert Event.objects.filter(name="membership_plan_viewed", actor=user).exists()

    response = client.post(
        f"/communities/{plan.community_id}/membership/", {"plan": plan.pk, "action": "buy"}
    )
    assert response.status_code == 302
    mine = client.get("/my/membership/")
    order = Order.objects.get(buyer=user)
    assert order.number in mine.content.decode()
    assert "/payments/order/" in mine.content.decode()  # the online pay step is offered

    checkout = payment_start(order=order, provider=Payment.Provider.SANDBOX)
    sandbox_pay(out_trade_no=checkout.payment.out_trade_no)

    assert Subscription.objects.get(user=user).status == Subscription.Status.ACTIVE
    assert "有效" in client.get("/my/membership/").content.decode()


def test_starting_a_trial_from_the_page_once() -> None:
    plan = make_plan(trial_days=7)
    client = _client(UserFactory())
    url = f"/communities/{plan.community_id}/membership/"
    assert client.post(url, {"plan": plan.pk, "action": "trial"}).status_code == 302
    assert client.post(url, {"plan": plan.pk, "action": "trial"}).status_code == 409


def test_anonymous_buying_is_sent_to_log_in() -> None:
    plan = make_plan()
    response = Client().post(
        f"/communities/{plan.community_id}/membership/", {"plan": plan.pk, "action": "buy"}
    )
    assert response.status_code == 302
    assert not Order.objects.exists()


def test_the_leader_creates_a_plan_confirms_a_payment_and_edits_the_price() -> None:
    plan = make_plan(price=Decimal("30.00"))
    owner = plan.community.owner
    client = _client(owner)
    url = f"/leader/communities/{plan.community_id}/memberships/"

    response = client.post(
        url,
        {
            "action": "plan",
            "name": "年卡",
            "period": "year",
            "price": "299.00",
            "benefits": "全年会员价",
            "trial_days": "0",
            "active": "on",
        },
    )
    assert response.status_code == 302
    year = MembershipPlan.objects.get(name="年卡")
    assert year.sku.product.kind == "membership"

    member = UserFactory()
    _client(member).post(
        f"/communities/{plan.community_id}/membership/", {"plan": plan.pk, "action": "buy"}
    )
    order = Order.objects.get(buyer=member)
    assert order.number in client.get(url).content.decode()
    assert client.post(url, {"action": "confirm", "order": order.pk}).status_code == 302
    assert Subscription.objects.get(user=member).status == Subscription.Status.ACTIVE

    edit = f"{url}plans/{plan.pk}/"
    response = client.post(
        edit, {"name": plan.name, "price": "40.00", "trial_days": "0", "active": "on"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price == Decimal("40.00")
    assert Subscription.objects.get(user=member).price == Decimal("30.00")


def test_a_non_admin_cannot_manage_plans_by_page_and_nothing_changes() -> None:
    plan = make_plan(price=Decimal("30.00"))
    member = UserFactory()
    client = _client(member)
    url = f"/leader/communities/{plan.community_id}/memberships/"

    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"action": "plan", "name": "x", "period": "month", "price": "1", "trial_days": "0"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{url}plans/{plan.pk}/", {"name": "x", "price": "1", "trial_days": "0"}
        ).status_code
        == 404
    )
    # A leader of another community cannot reach this plan through their own community either.
    other = make_plan()
    other_client = _client(other.community.owner)
    assert (
        other_client.get(
            f"/leader/communities/{other.community_id}/memberships/plans/{plan.pk}/"
        ).status_code
        == 404
    )
    plan.refresh_from_db()
    assert (plan.name, plan.price) == ("月度会员", Decimal("30.00"))
    assert MembershipPlan.objects.count() == 2


def test_the_leader_member_list_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    plan = make_plan()
    for _ in range(3):
        buy(plan)
    client = _client(plan.community.owner)
    url = f"/leader/communities/{plan.community_id}/memberships/"
    client.get(url)  # warm caches (sessions, content types)
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for _ in range(10):
        buy(plan)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("<tr><td>") == 13


# --- API ------------------------------------------------------------------------------------


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_plans_buys_and_starts_a_trial() -> None:
    plan = make_plan(trial_days=3)
    user = UserFactory()
    api = _api(user)

    listing = api.get("/api/v1/membership-plans/", {"community": plan.community_id})
    assert [row["id"] for row in listing.json()["results"]] == [plan.pk]
    trial = api.post(f"/api/v1/membership-plans/{plan.pk}/trial/")
    assert trial.status_code == 201
    assert trial.json()["status"] == "trial"
    assert api.post(f"/api/v1/membership-plans/{plan.pk}/trial/").status_code == 409
    bought = api.post(f"/api/v1/membership-plans/{plan.pk}/purchase/")
    assert bought.status_code == 201
    assert bought.json()["total_amount"] == "30.00"
    mine = api.get("/api/v1/subscriptions/").json()["results"]
    assert [row["plan"] for row in mine] == [plan.pk]


def test_api_a_non_admin_cannot_manage_plans_and_nothing_changes() -> None:
    plan = make_plan(price=Decimal("30.00"))
    stranger = _api(UserFactory())
    body = {"name": "改名", "price": "1.00", "trial_days": 0}

    assert stranger.get(f"/api/v1/leader/membership-plans/{plan.pk}/").status_code == 404
    assert (
        stranger.put(f"/api/v1/leader/membership-plans/{plan.pk}/", body, format="json").status_code
        == 404
    )
    created = stranger.post(
        "/api/v1/leader/membership-plans/",
        {**body, "community": plan.community_id, "period": "month"},
        format="json",
    )
    assert created.status_code == 404
    assert stranger.get(f"/api/v1/leader/membership-plans/{plan.pk}/members/").status_code == 404
    assert stranger.get("/api/v1/leader/membership-plans/").json()["results"] == []
    plan.refresh_from_db()
    assert (plan.name, plan.price) == ("月度会员", Decimal("30.00"))
    assert MembershipPlan.objects.count() == 1


def test_api_the_leader_creates_updates_and_lists_members() -> None:
    plan = make_plan(price=Decimal("30.00"))
    buy(plan)
    leader = _api(plan.community.owner)

    created = leader.post(
        "/api/v1/leader/membership-plans/",
        {"community": plan.community_id, "period": "quarter", "name": "季卡", "price": "80.00"},
        format="json",
    )
    assert created.status_code == 201
    updated = leader.put(
        f"/api/v1/leader/membership-plans/{plan.pk}/",
        {"name": "月卡", "price": "35.00"},
        format="json",
    )
    assert updated.json()["price"] == "35.00"
    members = leader.get(f"/api/v1/leader/membership-plans/{plan.pk}/members/").json()
    assert [(m["status"], m["purchases"]) for m in members["results"]] == [("active", 1)]
    assert (
        leader.put(
            f"/api/v1/leader/membership-plans/{plan.pk}/",
            {"name": "月卡", "price": "0"},
            format="json",
        ).status_code
        == 400
    )
