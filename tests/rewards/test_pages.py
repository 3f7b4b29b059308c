"""The member's check-in and coupon pages, the coupon on the chain order form, the leader's page."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.communities.models import Membership
from apps.orders.models import Order
from apps.rewards.models import CheckIn, Coupon, CouponTemplate, PointsEntry, WelcomeGift
from apps.rewards.services import check_in_record, coupon_issue
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.chains.test_pages import form_token, order_data
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db


def test_a_member_checks_in_from_the_page_once_a_day(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    community = CommunityFactory()
    user = join(community)
    for _ in range(3):
        check_in_record(community=community, user=join(community))
    client.force_login(user)
    url = f"/communities/{community.pk}/check-in/"

    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    assert "打卡" in page.content.decode()

    assert client.post(url).status_code == 302
    again = client.post(url, follow=True)
    assert "今天已经打过卡了" in again.content.decode()
    assert CheckIn.objects.filter(user=user).count() == 1
    assert re.search(r'id="balance">1<', again.content.decode())


def test_the_check_in_page_is_for_members_only(client: Client) -> None:
    community = CommunityFactory()
    url = f"/communities/{community.pk}/check-in/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not CheckIn.objects.exists()


def test_a_member_exchanges_points_on_the_page(client: Client) -> None:
    community = CommunityFactory()
    user = join(community)
    template = make_template(community, points_price=1)
    check_in_record(community=community, user=user)
    client.force_login(user)

    response = client.post(
        f"/communities/{community.pk}/check-in/", {"template": template.pk}, follow=True
    )

    assert "兑换成功" in response.content.decode()
    assert Coupon.objects.get().owner == user
    assert PointsEntry.objects.filter(user=user).count() == 2


def test_my_coupons_lists_only_mine(client: Client) -> None:
    community = CommunityFactory()
    template = make_template(community, name="鸡蛋券")
    mine, theirs = join(community), join(community)
    coupon_issue(template=template, owner=mine, actor=community.owner)
    other = coupon_issue(template=template, owner=theirs, actor=community.owner)
    client.force_login(mine)

    page = client.get("/my/coupons/").content.decode()

    assert "鸡蛋券" in page
    assert other.code not in page


# --- The chain order form ---------------------------------------------------------------------


def coupon_for(setup: ChainSetup, phone: str = "13800138000") -> tuple[Any, Coupon]:
    member = join(setup.community, UserFactory(phone=phone))
    template = make_template(setup.community, name="满50减10")
    return member, coupon_issue(template=template, owner=member, actor=setup.leader)


def test_a_logged_in_member_picks_a_coupon_on_the_order_form(client: Client) -> None:
    setup = open_chain(price=Decimal("30.00"))
    member, coupon = coupon_for(setup)
    client.force_login(member)
    page = client.get(f"/c/{setup.chain.slug}/").content.decode()
    assert f'value="{coupon.code}"' in page  # the select offers it

    response = client.post(
        f"/c/{setup.chain.slug}/",
        order_data(setup, form_token(client, setup), coupon=coupon.code),
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.total_amount, order.discount_amount) == (Decimal("50.00"), Decimal("10.00"))
    assert "-¥10.00" in client.get(response["Location"]).content.decode()


def test_a_member_without_logging_in_types_the_code(client: Client) -> None:
    setup = open_chain(price=Decimal("30.00"))
    _, coupon = coupon_for(setup)  # issued to 13800138000, the phone order_data types

    response = client.post(
        f"/c/{setup.chain.slug}/",
        order_data(setup, form_token(client, setup), coupon_code=coupon.code.lower()),
    )

    assert response.status_code == 302
    assert Order.objects.get().discount_amount == Decimal("10.00")


def test_a_refused_coupon_is_shown_beside_the_field_and_places_nothing(client: Client) -> None:
    setup = open_chain(price=Decimal("10.00"))
    _, coupon = coupon_for(setup)  # minimum spend 50, the form buys 20.00

    response = client.post(
        f"/c/{setup.chain.slug}/",
        order_data(setup, form_token(client, setup), coupon_code=coupon.code),
    )

    assert response.status_code == 400
    assert "满 ¥50.00 才能使用这张优惠券" in response.content.decode()
    assert not Order.objects.exists()
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE


# --- The leader's rewards page ----------------------------------------------------------------


def template_post(community_id: int) -> dict[str, object]:
    now = timezone.localtime()
    return {
        "action": "template",
        "name": "周末9折",
        "discount_kind": "percent",
        "percent_off": 10,
        "min_spend": "0",
        "valid_from": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "total_quantity": 50,
    }


def test_the_owner_sets_up_coupons_issues_one_and_sets_the_welcome_gift(client: Client) -> None:
    community = CommunityFactory()
    member = join(community)
    client.force_login(community.owner)
    url = f"/leader/communities/{community.pk}/rewards/"
    assert client.get(url).status_code == 200

    assert client.post(url, template_post(community.pk)).status_code == 302
    template = CouponTemplate.objects.get()
    assert (template.percent_off, template.created_by) == (10, community.owner)

    membership = Membership.objects.get(community=community, user=member)
    issued = client.post(
        url, {"action": "issue", "template": template.pk, "member": membership.pk}, follow=True
    )
    coupon = Coupon.objects.get()
    assert coupon.owner == member
    assert coupon.code in issued.content.decode()

    client.post(url, {"action": "welcome", "coupon_template": template.pk, "points": 10})
    gift = WelcomeGift.objects.get()
    assert (gift.coupon_template, gift.points) == (template, 10)


def test_an_admin_manages_rewards_too(client: Client) -> None:
    community = CommunityFactory()
    admin = MembershipFactory(community=community, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    url = f"/leader/communities/{community.pk}/rewards/"
    assert client.post(url, template_post(community.pk)).status_code == 302
    assert CouponTemplate.objects.count() == 1


def test_a_member_cannot_manage_rewards_through_the_page(client: Client) -> None:
    community = CommunityFactory()
    template = make_template(community)
    member = join(community)
    membership = Membership.objects.get(community=community, user=member)
    client.force_login(member)
    url = f"/leader/communities/{community.pk}/rewards/"

    assert client.get(url).status_code == 404
    assert client.post(url, template_post(community.pk)).status_code == 404
    issue = {"action": "issue", "template": template.pk, "member": membership.pk}
    assert client.post(url, issue).status_code == 404
    welcome = {"action": "welcome", "points": 1000}
    assert client.post(url, welcome).status_code == 404

    assert CouponTemplate.objects.count() == 1
    assert not Coupon.objects.exists()
    assert not WelcomeGift.objects.exists()
