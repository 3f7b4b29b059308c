from collections import Counter
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from apps.accounts.models import User
from apps.accounts.phone import validate_phone
from apps.catalog.models import SKU, Merchant, Product, StockMovement
from apps.chains.models import Chain, ChainEntry, ChainItem
from apps.communities.models import Community, Membership
from apps.demo.data import (
    CLOSED_CHAIN_SLUG,
    DEMO_CHAIN_SLUG,
    DEMO_LOGINS,
    FRUIT_MERCHANT,
    GROUP_BUY_COMMUNITY,
    MILK_MERCHANT,
    VEGETABLE_MERCHANT,
    demo_data_load,
)
from apps.orders.models import Order, OrderLog

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "merchants": Merchant.objects.count(),
        "products": Product.objects.count(),
        "skus": SKU.objects.count(),
        "communities": Community.objects.count(),
        "memberships": Membership.objects.count(),
        "chains": Chain.objects.count(),
        "entries": ChainEntry.objects.count(),
        "orders": Order.objects.count(),
        "order logs": OrderLog.objects.count(),
        "stock movements": StockMovement.objects.count(),
    }


def test_loading_twice_changes_nothing() -> None:
    first = demo_data_load()
    after_first = counts()
    stock = dict(SKU.objects.values_list("code", "stock"))
    remaining = dict(ChainItem.objects.values_list("pk", "remaining"))

    second = demo_data_load()

    assert first.created["orders"] == 42
    assert not second.created
    assert counts() == after_first
    assert dict(SKU.objects.values_list("code", "stock")) == stock
    assert dict(ChainItem.objects.values_list("pk", "remaining")) == remaining


def test_people_merchants_and_groups() -> None:
    demo = demo_data_load()

    group_buy = Community.objects.get(name=GROUP_BUY_COMMUNITY)
    assert group_buy.owner.username == "leader"
    members = Membership.objects.filter(community=group_buy, role=Membership.Role.MEMBER)
    assert members.count() == 30
    for member in members.select_related("user"):
        assert member.user.phone is not None
        validate_phone(member.user.phone)
        assert member.user.display_name
    assert {c.kind for c in demo.communities.values()} == {
        Community.Kind.GROUP_BUY,
        Community.Kind.FITNESS,
        Community.Kind.MOTHERS,
    }

    leader, fruit, milk = (User.objects.get(username=n) for n in ("leader", "fruit", "milk"))
    fruit_merchant = Merchant.objects.get(name=FRUIT_MERCHANT)
    supplied = leader.supply_agreements.filter(status="approved")
    assert set(supplied.values_list("merchant__name", flat=True)) == {
        FRUIT_MERCHANT,
        VEGETABLE_MERCHANT,
    }
    assert list(fruit.merchants.all()) == [fruit_merchant]
    assert list(milk.merchants.values_list("name", flat=True)) == [MILK_MERCHANT]
    assert fruit.is_staff and fruit.groups.filter(name="merchant_staff").exists()
    assert User.objects.get(username="finance").groups.filter(name="finance").exists()
    assert User.objects.get(username="ops").groups.filter(name="operations").exists()
    assert User.objects.get(username="admin").is_superuser

    # Each SKU's stock is its movements' sum: stock only moved through the services.
    for sku in SKU.objects.all():
        moved = sum(sku.movements.values_list("delta", flat=True))
        assert sku.stock == moved
        assert sku.movements.filter(reason=StockMovement.Reason.INITIAL).count() == 1


def test_open_chain_has_every_status_numbered_without_gaps() -> None:
    demo_data_load()

    chain = Chain.objects.get(slug=DEMO_CHAIN_SLUG)
    assert chain.status == Chain.Status.OPEN
    assert chain.is_accepting_orders()
    assert chain.items.count() == 3
    assert chain.pickup_points.count() == 2
    sequences = list(chain.entries.values_list("sequence", flat=True))
    assert 25 <= len(sequences) <= 35
    assert sequences == list(range(1, len(sequences) + 1))
    assert chain.entry_count == len(sequences)
    statuses = Counter(chain.entries.values_list("order__status", flat=True))
    assert set(statuses) == set(Order.Status.values)
    for order in Order.objects.filter(chain_entry__chain=chain):
        assert Decimal("50") <= order.total_amount <= Decimal("200")
    partial = Order.objects.get(
        chain_entry__chain=chain, chain_entry__sequence=6
    )  # a partial refund keeps part of what was paid
    assert partial.status == Order.Status.PARTIALLY_REFUNDED
    assert Decimal("0") < partial.refunded_amount < partial.paid_amount


def test_closed_chain_is_closed_with_its_entries() -> None:
    demo_data_load()

    chain = Chain.objects.get(slug=CLOSED_CHAIN_SLUG)
    assert chain.status == Chain.Status.CLOSED
    assert chain.closed_at is not None
    assert not chain.is_accepting_orders()
    sequences = list(chain.entries.values_list("sequence", flat=True))
    assert sequences == list(range(1, 13))
    statuses = Counter(chain.entries.values_list("order__status", flat=True))
    assert statuses[Order.Status.COMPLETED] == 8
    assert statuses[Order.Status.PENDING_PAYMENT] == 0


def test_demo_users_can_log_in_and_see_their_pages() -> None:
    demo_data_load()

    for login in DEMO_LOGINS:
        client = Client()
        assert client.login(username=login.username, password=login.password), login.username
    leader = Client()
    leader.login(username="leader", password="leader-demo")
    response = leader.get("/leader/chains/")
    assert response.status_code == 200
    assert "周五水果蔬菜接龙" in response.content.decode()
    assert Client().get(f"/c/{DEMO_CHAIN_SLUG}/").status_code == 200
    assert Client().get(f"/c/{CLOSED_CHAIN_SLUG}/").status_code == 200


def test_a_changed_demo_password_is_put_back() -> None:
    demo_data_load()
    leader = User.objects.get(username="leader")
    leader.set_password("something-else")
    leader.save(update_fields=["password"])

    again = demo_data_load()

    assert again.created == Counter({"demo logins reset": 1})
    assert Client().login(username="leader", password="leader-demo")


def test_quickstart_no_serve_migrates_loads_and_prints_the_logins(settings: Any) -> None:
    settings.DATABASE_URL = ""  # the suite may run on a server named by DATABASE_URL
    out = StringIO()
    call_command("quickstart", "--no-serve", stdout=out)

    text = out.getvalue()
    for login in DEMO_LOGINS:
        assert login.username in text and login.password in text
    assert "http://127.0.0.1:8000/c/demo/" in text
    assert "http://127.0.0.1:8000/leader/chains/" in text
    assert Chain.objects.filter(slug=DEMO_CHAIN_SLUG, status=Chain.Status.OPEN).exists()

    again = StringIO()
    call_command("load_demo", stdout=again)
    assert "没有改动" in again.getvalue()


def test_demo_refuses_a_database_named_by_database_url(settings: Any) -> None:
    settings.DATABASE_URL = "postgres://prod.example.com/tuangou"

    with pytest.raises(CommandError, match="DATABASE_URL"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username="admin").exists()
