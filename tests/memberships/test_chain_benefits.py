"""Member prices on chain items and members-only chains, in the service and on the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.chains.models import Chain, ChainEntry
from apps.chains.services import chain_item_member_price_set, chain_order_place
from apps.core.errors import InvalidInput, PermissionDenied
from apps.memberships.models import Subscription
from apps.memberships.services import subscriptions_expire
from apps.orders.models import OrderLine
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.memberships.factories import buy, make_plan

pytestmark = pytest.mark.django_db


def _setup(*, members_only: bool = False) -> ChainSetup:
    setup = open_chain(price=Decimal("50.00"))
    chain_item_member_price_set(
        item=setup.items[0], actor=setup.leader, member_price=Decimal("45.00")
    )
    if members_only:
        Chain.objects.filter(pk=setup.chain.pk).update(members_only=True)
        setup.chain.refresh_from_db()
    return setup


def _place(setup: ChainSetup, *, buyer: object, phone: str, token: str) -> ChainEntry:
    return chain_order_place(
        chain=setup.chain,
        buyer=buyer,  # type: ignore[arg-type]
        contact_name="张三",
        contact_phone=phone,
        quantities={setup.items[0].pk: 2},
        pickup_point=setup.pickup_points[0],
        submission_token=token,
    )


def test_a_current_member_pays_the_member_price_and_the_line_shows_it() -> None:
    setup = _setup()
    member = UserFactory()
    buy(make_plan(community=setup.community), member)

    entry = _place(setup, buyer=member, phone=member.phone, token="m1")

    line = OrderLine.objects.get(order=entry.order)
    assert line.unit_price == Decimal("45.00")
    assert entry.order.total_amount == Decimal("90.00")


def test_non_members_and_members_of_another_community_pay_the_group_price() -> None:
    setup = _setup()
    elsewhere = UserFactory()
    buy(make_plan(), elsewhere)  # a member of some other group

    stranger_entry = _place(setup, buyer=UserFactory(), phone="13700000001", token="s1")
    elsewhere_entry = _place(setup, buyer=elsewhere, phone=elsewhere.phone, token="e1")
    anonymous_entry = _place(setup, buyer=None, phone="13700000002", token="a1")

    for entry in (stranger_entry, elsewhere_entry, anonymous_entry):
        assert entry.order.total_amount == Decimal("100.00")


def test_an_expired_member_never_gets_the_member_price(settings: object) -> None:
    setup = _setup()
    member = UserFactory()
    buy(make_plan(community=setup.community), member)
    ended = timezone.now() - timedelta(days=30)
    Subscription.objects.filter(user=member).update(ends_at=ended)

    # Not yet marked expired by the task: the dates decide.
    assert _place(setup, buyer=member, phone=member.phone, token="x1").order.total_amount == (
        Decimal("100.00")
    )
    subscriptions_expire()
    assert Subscription.objects.get(user=member).status == Subscription.Status.EXPIRED
    assert _place(setup, buyer=member, phone=member.phone, token="x2").order.total_amount == (
        Decimal("100.00")
    )


def test_member_price_must_be_below_the_group_price() -> None:
    setup = open_chain(price=Decimal("50.00"))
    with pytest.raises(InvalidInput):
        chain_item_member_price_set(
            item=setup.items[0], actor=setup.leader, member_price=Decimal("50.00")
        )
    with pytest.raises(PermissionDenied):
        chain_item_member_price_set(
            item=setup.items[0], actor=UserFactory(), member_price=Decimal("40.00")
        )


def test_a_members_only_chain_refuses_non_members_and_takes_members() -> None:
    setup = _setup(members_only=True)
    member = UserFactory()
    buy(make_plan(community=setup.community), member)

    with pytest.raises(PermissionDenied) as refused:
        _place(setup, buyer=UserFactory(), phone="13700000003", token="n1")
    assert refused.value.code == "members_only"
    assert not ChainEntry.objects.filter(chain=setup.chain).exists()

    assert _place(setup, buyer=member, phone=member.phone, token="ok").sequence == 1


def test_the_chain_page_shows_the_member_price_and_the_members_only_refusal() -> None:
    setup = _setup(members_only=True)
    client = Client()
    page = client.get(f"/c/{setup.chain.slug}/")
    assert page.status_code == 200
    assert "会员价 ¥45.00" in page.content.decode()
    assert "仅限本群付费会员" in page.content.decode()

    token = page.context["form"]["token"].value()
    response = client.post(
        f"/c/{setup.chain.slug}/",
        {
            "token": token,
            "contact_name": "李四",
            "contact_phone": "13700000004",
            "pickup_point": setup.pickup_points[0].pk,
            f"qty_{setup.items[0].pk}": "1",
        },
    )
    assert response.status_code == 403
    assert "仅限本群付费会员" in response.content.decode()
    assert not ChainEntry.objects.filter(chain=setup.chain).exists()


def test_the_member_ordering_by_phone_without_logging_in_gets_the_member_price() -> None:
    setup = _setup()
    member = UserFactory()
    buy(make_plan(community=setup.community), member)
    client = Client()
    page = client.get(f"/c/{setup.chain.slug}/")
    response = client.post(
        f"/c/{setup.chain.slug}/",
        {
            "token": page.context["form"]["token"].value(),
            "contact_name": "会员",
            "contact_phone": member.phone,
            "pickup_point": setup.pickup_points[0].pk,
            f"qty_{setup.items[0].pk}": "1",
        },
    )
    assert response.status_code == 302
    line = OrderLine.objects.get(
        order__contact_phone=member.phone, order__chain_entry__isnull=False
    )
    assert line.unit_price == Decimal("45.00")


def test_the_leader_chain_form_sets_members_only_and_a_member_price(client: Client) -> None:
    from tests.chains.test_pages import chain_form_data

    setup = open_chain()
    client.force_login(setup.leader)
    data = chain_form_data(setup, members_only="on", **{"items-0-member_price": "10.00"})

    response = client.post("/leader/chains/new/", data)

    assert response.status_code == 302
    chain = Chain.objects.get(title="周三蔬菜接龙")
    assert chain.members_only
    assert chain.items.get().member_price == Decimal("10.00")

    too_high = chain_form_data(setup, **{"items-0-member_price": "99.00", "title": "再来"})
    refused = client.post("/leader/chains/new/", too_high)
    assert "会员价必须低于团购价" in refused.content.decode()
    assert not Chain.objects.filter(title="再来").exists()
