"""Coupon rules, applied through chain_order_place: what a coupon takes off and when it refuses."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.chains.models import ChainEntry
from apps.chains.services import chain_order_place
from apps.core.errors import Conflict, DomainError, PermissionDenied
from apps.orders.models import Order
from apps.orders.services import order_cancel, order_mark_paid, order_refund
from apps.rewards.models import Coupon, CouponTemplate
from apps.rewards.rules import coupon_discount
from apps.rewards.services import coupon_issue, coupons_expire
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db


def place(setup: ChainSetup, coupon: str, *, quantity: int = 2, **overrides: Any) -> ChainEntry:
    kwargs: dict[str, Any] = {
        "chain": setup.chain,
        "buyer": None,
        "contact_name": "王小明",
        "contact_phone": "13800138000",
        "quantities": {setup.items[0].pk: quantity},
        "pickup_point": setup.pickup_points[0],
        "submission_token": f"t-{timezone.now().timestamp()}",
        "coupon_code": coupon,
    }
    kwargs.update(overrides)
    return chain_order_place(**kwargs)


def holder(setup: ChainSetup, **template: Any) -> tuple[Any, Coupon]:
    owner = User.objects.filter(phone="13800138000").first() or UserFactory(phone="13800138000")
    member = join(setup.community, owner)
    coupon = coupon_issue(
        template=make_template(setup.community, **template), owner=member, actor=setup.leader
    )
    return member, coupon


def refused(setup: ChainSetup, coupon: str, **overrides: Any) -> str:
    before = Order.objects.count()
    with pytest.raises(DomainError) as error:
        place(setup, coupon, **overrides)
    assert Order.objects.count() == before  # a refused coupon leaves no order behind
    assert error.value.field == "coupon_code"
    return error.value.code


def test_a_fixed_coupon_comes_off_the_total_and_is_used() -> None:
    setup = open_chain(price=Decimal("30.00"))
    member, coupon = holder(setup)

    entry = place(setup, coupon.code.lower(), buyer=member)  # codes are case-insensitive

    order = entry.order
    assert (order.subtotal_amount, order.discount_amount, order.total_amount) == (
        Decimal("60.00"),
        Decimal("10.00"),
        Decimal("50.00"),
    )
    assert order.coupon_code == coupon.code
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, order.pk)
    assert coupon.used_at is not None


def test_a_coupon_is_used_once() -> None:
    setup = open_chain(price=Decimal("30.00"))
    _, coupon = holder(setup)
    place(setup, coupon.code)
    assert refused(setup, coupon.code) == "coupon_used"
    assert Order.objects.count() == 1


def test_the_minimum_spend_is_checked_against_the_servers_subtotal() -> None:
    setup = open_chain(price=Decimal("30.00"))
    _, coupon = holder(setup, min_spend=Decimal("60.01"))
    assert refused(setup, coupon.code) == "coupon_min_spend"  # 2 × 30.00 = 60.00
    assert place(setup, coupon.code, quantity=3).order.discount_amount == Decimal("10.00")


def test_a_coupon_only_works_inside_its_validity_window() -> None:
    setup = open_chain(price=Decimal("30.00"))
    now = timezone.now()
    _, later = holder(setup, valid_from=now + timedelta(days=1))
    assert refused(setup, later.code) == "coupon_not_started"

    _, short = holder(setup, valid_days=1)
    assert short.expires_at <= now + timedelta(days=1, minutes=1)
    Coupon.objects.filter(pk=short.pk).update(expires_at=now - timedelta(seconds=1))
    assert refused(setup, short.code) == "coupon_expired"

    assert coupons_expire() == 1
    short.refresh_from_db()
    assert short.status == Coupon.Status.EXPIRED
    assert refused(setup, short.code) == "coupon_expired"


def test_someone_elses_coupon_is_refused_but_the_owner_is_known_by_phone() -> None:
    setup = open_chain(price=Decimal("30.00"))
    _, coupon = holder(setup)
    stranger = join(setup.community)

    assert refused(setup, coupon.code, buyer=stranger, contact_phone="13900000000") == (
        "coupon_not_yours"
    )
    # the owner ordering without logging in, with the phone the coupon was issued to
    assert place(setup, coupon.code, buyer=None).order.discount_amount == Decimal("10.00")


def test_a_coupon_of_another_community_or_an_unknown_code_is_refused() -> None:
    setup, elsewhere = open_chain(price=Decimal("30.00")), open_chain(price=Decimal("30.00"))
    _, coupon = holder(elsewhere)
    assert refused(setup, coupon.code) == "coupon_wrong_community"
    assert refused(setup, "NOSUCHCODE") == "coupon_not_found"


def test_a_percentage_is_rounded_to_the_fen_half_up() -> None:
    template = CouponTemplate(discount_kind=CouponTemplate.DiscountKind.PERCENT, percent_off=15)
    assert coupon_discount(template=template, subtotal=Decimal("33.30")) == Decimal("5.00")
    assert coupon_discount(template=template, subtotal=Decimal("0.10")) == Decimal("0.02")  # 0.015

    setup = open_chain(price=Decimal("19.90"))
    _, coupon = holder(
        setup,
        discount_kind=CouponTemplate.DiscountKind.PERCENT,
        amount_off=None,
        percent_off=15,
        min_spend=Decimal("0"),
    )
    order = place(setup, coupon.code, quantity=3).order  # 59.70 × 15 % = 8.955
    assert (order.discount_amount, order.total_amount) == (Decimal("8.96"), Decimal("50.74"))


def test_a_coupon_worth_more_than_the_order_makes_it_free_never_negative() -> None:
    setup = open_chain(price=Decimal("3.50"))
    _, coupon = holder(setup, amount_off=Decimal("50.00"), min_spend=Decimal("0"))

    order = place(setup, coupon.code, quantity=1).order

    assert (order.discount_amount, order.total_amount) == (Decimal("3.50"), Decimal("0.00"))


def test_cancelling_before_payment_gives_the_coupon_back_a_refund_does_not() -> None:
    setup = open_chain(price=Decimal("30.00"))
    _, coupon = holder(setup)

    order_cancel(order=place(setup, coupon.code).order, actor=setup.leader)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.AVAILABLE, None)

    paid = order_mark_paid(order=place(setup, coupon.code).order, actor=setup.leader)
    refund = order_refund(order=paid, actor=setup.leader, reason="不要了")
    assert refund.amount == Decimal("50.00")  # what was paid, not the list price
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, paid.pk)


def test_issuing_stops_at_the_quantity_and_only_managers_issue() -> None:
    setup = open_chain()
    template = make_template(setup.community, total_quantity=1)
    member = join(setup.community)
    coupon_issue(template=template, owner=member, actor=setup.leader)

    with pytest.raises(Conflict) as exhausted:
        coupon_issue(template=template, owner=member, actor=setup.leader)
    assert exhausted.value.code == "coupon_template_exhausted"
    with pytest.raises(PermissionDenied):
        coupon_issue(template=make_template(setup.community), owner=member, actor=member)
    assert Coupon.objects.count() == 1


def test_an_order_without_a_coupon_does_not_look_for_one() -> None:
    setup = open_chain()
    with CaptureQueriesContext(connection) as queries:
        entry = place(setup, "")
    assert entry.order.discount_amount == Decimal("0.00")
    assert not [q for q in queries.captured_queries if "rewards_" in q["sql"]]
