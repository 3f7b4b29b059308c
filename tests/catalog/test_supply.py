"""Leaders sell a merchant's goods only once the merchant approves them; merchants keep their team."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.catalog.models import SupplyAgreement
from apps.catalog.selectors import skus_sellable_by
from apps.catalog.staff import merchant_staff_add, merchant_staff_remove
from apps.catalog.supply import supply_apply, supply_approve, supply_reject, supply_suspend
from apps.chains.services import ChainDetails, ItemSpec, chain_create
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from tests.accounts.factories import UserFactory
from tests.catalog.factories import MerchantFactory, SKUFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def a_leader() -> User:
    user = UserFactory()
    user.groups.add(Group.objects.get(name=Role.LEADER))
    return user


def merchant_staff(merchant, *, manager: bool = False) -> User:  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.MERCHANT_STAFF))
    merchant.staff.add(user)
    if manager:
        merchant.managers.add(user)
    return user


def test_a_leader_sells_only_after_the_merchant_approves_and_not_once_suspended() -> None:
    leader = a_leader()
    sku = SKUFactory()
    merchant = sku.product.merchant
    staff = merchant_staff(merchant)

    agreement = supply_apply(merchant=merchant, leader=leader, note="幸福里小区")
    assert not skus_sellable_by(leader).exists()

    supply_approve(agreement=agreement, actor=staff, commission_rate=Decimal("8.5"))
    assert list(skus_sellable_by(leader)) == [sku]
    agreement.refresh_from_db()
    assert agreement.commission_rate == Decimal("8.50") and agreement.decided_by == staff

    supply_suspend(agreement=agreement, actor=staff, reason="售后问题")
    assert not skus_sellable_by(leader).exists()
    supply_approve(agreement=agreement, actor=staff, commission_rate=Decimal("8.5"))
    assert skus_sellable_by(leader).exists()


def test_a_leader_acting_for_a_merchant_that_has_not_approved_them_is_refused() -> None:
    leader = a_leader()
    community = CommunityFactory(owner=leader)
    sku = SKUFactory(stock=10)
    supply_apply(merchant=sku.product.merchant, leader=leader)

    with pytest.raises(PermissionDenied, match="不能销售"):
        chain_create(
            leader=leader,
            community=community,
            details=ChainDetails(
                title="接龙",
                description="",
                closes_at=timezone.now() + timedelta(days=1),
                fulfilment="delivery",
            ),
            items=[ItemSpec(sku=sku, group_price=Decimal("10"), stock_cap=5)],
        )
    assert not community.chains.exists()


def test_only_the_merchants_own_staff_decide() -> None:
    leader = a_leader()
    merchant = MerchantFactory()
    other_staff = merchant_staff(MerchantFactory())
    agreement = supply_apply(merchant=merchant, leader=leader)

    with pytest.raises(PermissionDenied):
        supply_approve(agreement=agreement, actor=other_staff, commission_rate=Decimal("5"))
    agreement.refresh_from_db()
    assert agreement.status == SupplyAgreement.Status.APPLIED


def test_bad_decisions_are_refused_and_change_nothing() -> None:
    leader = a_leader()
    merchant = MerchantFactory()
    staff = merchant_staff(merchant)
    agreement = supply_apply(merchant=merchant, leader=leader)

    with pytest.raises(InvalidInput, match="0 到 100"):
        supply_approve(agreement=agreement, actor=staff, commission_rate=Decimal("101"))
    with pytest.raises(InvalidInput, match="原因"):
        supply_reject(agreement=agreement, actor=staff, reason="")
    with pytest.raises(IllegalTransition):
        supply_suspend(agreement=agreement, actor=staff, reason="x")
    with pytest.raises(Conflict, match="已有供货合作"):
        supply_apply(merchant=merchant, leader=leader)
    agreement.refresh_from_db()
    assert agreement.status == SupplyAgreement.Status.APPLIED

    supply_reject(agreement=agreement, actor=staff, reason="区域已有团长")
    again = supply_apply(merchant=merchant, leader=leader, note="换了自提点")
    assert again.pk == agreement.pk and again.status == SupplyAgreement.Status.APPLIED


def test_only_approved_leaders_can_apply() -> None:
    with pytest.raises(PermissionDenied, match="团长申请"):
        supply_apply(merchant=MerchantFactory(), leader=UserFactory())
    assert not SupplyAgreement.objects.exists()


def test_the_leader_applies_from_their_page_and_the_merchant_approves_in_admin(
    client: Client,
) -> None:
    leader = a_leader()
    merchant = MerchantFactory()
    staff = merchant_staff(merchant)
    client.force_login(leader)

    client.post("/leader/merchants/", {"merchant": merchant.pk, "note": "幸福里"})
    agreement = SupplyAgreement.objects.get()
    assert "申请中" in client.get("/leader/merchants/").content.decode()

    client.force_login(staff)
    url = f"/admin/catalog/supplyagreement/{agreement.pk}/change/"
    client.post(url, {"decision": "approve", "commission_rate": "6.00", "decision_reason": ""})
    agreement.refresh_from_db()
    assert agreement.status == SupplyAgreement.Status.APPROVED

    other = merchant_staff(MerchantFactory())
    client.force_login(other)
    assert (
        client.get("/admin/catalog/supplyagreement/").content.decode().count(leader.username) == 0
    )
    assert client.get(url).status_code == 302  # not theirs: admin treats it as missing


def test_a_merchant_manager_adds_and_removes_their_own_staff_only() -> None:
    merchant = MerchantFactory()
    manager = merchant_staff(merchant, manager=True)
    plain_staff = merchant_staff(merchant)

    added = merchant_staff_add(
        merchant=merchant,
        actor=manager,
        username="fruit2",
        display_name="小李",
        phone="13800000077",
        password="a-Strong-pass-9",
    )
    assert added.is_staff and added.check_password("a-Strong-pass-9")
    assert list(added.merchants.all()) == [merchant]

    with pytest.raises(PermissionDenied):
        merchant_staff_add(
            merchant=merchant,
            actor=plain_staff,
            username="x",
            display_name="",
            phone="",
            password="a-Strong-pass-9",
        )
    other_merchant = MerchantFactory()
    outsider = merchant_staff(other_merchant)
    with pytest.raises(PermissionDenied):
        merchant_staff_remove(merchant=merchant, actor=manager, user=outsider)
    with pytest.raises(PermissionDenied):
        merchant_staff_remove(merchant=other_merchant, actor=manager, user=outsider)

    merchant_staff_remove(merchant=merchant, actor=manager, user=added)
    added.refresh_from_db()
    assert not added.is_staff and not added.merchants.exists()


def test_bad_staff_input_is_refused(client: Client) -> None:
    merchant = MerchantFactory()
    manager = merchant_staff(merchant, manager=True)
    UserFactory(username="taken")
    for kwargs, error in (
        ({"username": "taken"}, Conflict),
        ({"phone": "123"}, InvalidInput),
        ({"password": "123"}, InvalidInput),
        ({"username": " "}, InvalidInput),
    ):
        values = {
            "username": "new1",
            "display_name": "",
            "phone": "",
            "password": "a-Strong-pass-9",
        }
        values.update(kwargs)
        with pytest.raises(error):
            merchant_staff_add(merchant=merchant, actor=manager, **values)
    assert merchant.staff.count() == 1


def test_the_staff_page_in_admin(client: Client) -> None:
    merchant = MerchantFactory()
    manager = merchant_staff(merchant, manager=True)
    client.force_login(manager)
    url = f"/admin/catalog/merchant/{merchant.pk}/staff/"

    assert client.get(url).status_code == 200
    client.post(
        url,
        {"username": "veg9", "display_name": "", "phone": "", "password": "a-Strong-pass-9"},
    )
    assert merchant.staff.filter(username="veg9").exists()

    other = MerchantFactory()
    assert client.get(f"/admin/catalog/merchant/{other.pk}/staff/").status_code == 404
    plain = merchant_staff(merchant)
    client.force_login(plain)
    assert client.get(url).status_code == 200  # may look
    assert client.post(url, {"remove": manager.pk}).status_code == 403  # may not change
    assert merchant.staff.filter(pk=manager.pk).exists()
