"""A member deletes their personal data: anonymised everywhere, every financial total unchanged."""

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import OrderEvent
from apps.catalog.models import SKU, StockMovement
from apps.communities.models import Membership
from apps.core.errors import Conflict
from apps.distribution.models import CommissionEntry
from apps.distribution.selectors import balance_of
from apps.notifications.models import Notification
from apps.orders.models import Order
from apps.privacy.models import PrivacyRequest
from apps.privacy.services import member_erase
from tests.accounts.factories import UserFactory
from tests.distribution.factories import complete, dist_setup, paid, place

pytestmark = pytest.mark.django_db


def totals() -> dict[str, object]:
    """Everything that must not move when a person is deleted."""
    orders = Order.objects.aggregate(
        total=Sum("total_amount"), paid=Sum("paid_amount"), refunded=Sum("refunded_amount")
    )
    ledger = {
        row["beneficiary_id"]: row["amount"]
        for row in CommissionEntry.objects.values("beneficiary_id").annotate(amount=Sum("amount"))
    }
    return {
        "orders": orders,
        "order_count": Order.objects.count(),
        "ledger": ledger,
        "ledger_rows": CommissionEntry.objects.count(),
        "stock": dict(SKU.objects.values_list("pk", "stock")),
        "movements": StockMovement.objects.aggregate(total=Sum("delta"))["total"],
    }


@pytest.fixture
def member_with_history() -> tuple[User, object]:
    """A distributor who also buys: orders as a buyer, commission as a beneficiary, a group."""
    setup = dist_setup(price=Decimal("50.00"))
    member = setup.distributor.user
    Membership.objects.create(community=setup.chain.community, user=member, nickname="小美")
    own = complete(paid(setup.chain, buyer=member, phone=member.phone, quantity=2))
    Order.objects.filter(pk=own.pk).update(note="幸福小区3号楼201")
    # Someone else buys through the member's link: the member earns commission.
    complete(paid(setup.chain, code=setup.distributor.code, phone="13700001111"))
    return member, setup


def test_erasing_anonymises_the_member_and_keeps_every_total(member_with_history) -> None:
    member, _setup = member_with_history
    phone = member.phone
    before = totals()
    balance_before = balance_of(member)
    assert CommissionEntry.objects.filter(beneficiary=member).exists()

    member_erase(user=member)

    assert totals() == before
    assert balance_of(member) == balance_before
    member.refresh_from_db()
    assert member.phone is None and member.display_name == "已注销用户"
    assert member.username == f"anonymised-{member.pk}" and not member.is_active
    assert not member.has_usable_password()
    own = Order.objects.get(buyer=member)
    assert (own.contact_name, own.contact_phone, own.note) == ("已匿名", "", "")
    # the other buyer's order keeps its contact
    assert Order.objects.filter(contact_phone="13700001111").count() == 1
    membership = Membership.objects.get(user=member)
    assert membership.nickname == "" and membership.left_at is not None
    # and the audit history of the orders no longer holds the phone or the address
    assert not OrderEvent.objects.filter(contact_phone=phone).exists()
    assert not OrderEvent.objects.filter(note__contains="幸福小区").exists()
    assert PrivacyRequest.objects.filter(user=member, kind="erase").count() == 1


def test_erasing_leaves_no_address_or_wording_in_the_outbox(member_with_history) -> None:
    member, _setup = member_with_history
    phone = member.phone
    Notification.objects.filter(recipient=member).delete()  # only the rows made here
    queued = Notification.objects.create(
        recipient=member,
        address=phone,
        channel=Notification.Channel.SMS,
        template="chain_closing_soon",
        context={"name": "小美", "phone": phone},
        kind=Notification.Kind.MARKETING,
        dedupe_key="erase-test-queued",
    )
    sent = Notification.objects.create(
        recipient=member,
        channel=Notification.Channel.SMS,
        template="order_ready",
        context={"name": "小美"},
        kind=Notification.Kind.TRANSACTIONAL,
        dedupe_key="erase-test-sent",
        status=Notification.Status.SENT,
    )
    code = Notification.objects.create(
        address=phone,
        channel=Notification.Channel.SMS,
        template="sign_in_code",
        kind=Notification.Kind.TRANSACTIONAL,
        dedupe_key="erase-test-code",
    )
    someone_else = Notification.objects.create(
        address="13700001111",
        channel=Notification.Channel.SMS,
        template="sign_in_code",
        kind=Notification.Kind.TRANSACTIONAL,
        dedupe_key="erase-test-other",
    )

    member_erase(user=member)

    queued.refresh_from_db()
    sent.refresh_from_db()
    assert (queued.status, queued.address, queued.context) == ("suppressed", "", {})
    assert (sent.status, sent.context) == ("sent", {})
    assert not Notification.objects.filter(pk=code.pk).exists()
    assert Notification.objects.filter(pk=someone_else.pk, address="13700001111").exists()
    assert not Notification.objects.filter(address=phone).exists()


def test_erasing_is_refused_while_an_order_is_under_way(member_with_history) -> None:
    member, setup = member_with_history
    place(setup.chain, buyer=member, phone=member.phone)  # pending payment
    before = totals()

    with pytest.raises(Conflict) as caught:
        member_erase(user=member)

    assert caught.value.code == "erase_refused"
    member.refresh_from_db()
    assert member.is_active and member.phone
    assert totals() == before


def test_a_group_owner_must_hand_over_the_group_first(member_with_history) -> None:
    _, setup = member_with_history
    with pytest.raises(Conflict):
        member_erase(user=setup.chain.leader)
    setup.chain.leader.refresh_from_db()
    assert setup.chain.leader.is_active


def test_the_member_downloads_only_their_own_data(client: Client, member_with_history) -> None:
    member, _ = member_with_history
    client.force_login(member)

    page = client.get("/my/privacy/")
    data = json.loads(client.get("/my/privacy/export.json").content)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/privacy/export.zip").content))

    assert page.status_code == 200 and "下载我的数据" in page.content.decode()
    assert data["profile"][0]["phone"] == member.phone
    assert "password" not in data["profile"][0]
    assert {order["contact_phone"] for order in data["orders"]} == {member.phone}
    assert data["memberships"][0]["nickname"] == "小美"
    assert data["commissions"] and all(
        row["beneficiary_id"] == member.pk for row in data["commissions"]
    )
    assert "orders.csv" in archive.namelist() and "commissions.csv" in archive.namelist()
    orders_csv = archive.read("orders.csv").decode("utf-8-sig")
    assert member.phone in orders_csv and "13700001111" not in orders_csv
    assert PrivacyRequest.objects.filter(user=member, kind="export").count() == 2


def test_pages_need_a_signed_in_member(client: Client) -> None:
    assert client.get("/my/privacy/").status_code == 302
    assert client.get("/my/privacy/export.json").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/my/privacy/export.exe").status_code == 404


def test_the_member_deletes_the_account_from_the_page(client: Client, member_with_history) -> None:
    member, _ = member_with_history
    client.force_login(member)
    before = totals()

    unconfirmed = client.post("/my/privacy/", {})
    assert unconfirmed.status_code == 400
    assert User.objects.get(pk=member.pk).is_active

    done = client.post("/my/privacy/", {"confirm": "on"})

    assert done.status_code == 302 and done["Location"] == "/"
    assert not User.objects.get(pk=member.pk).is_active
    assert client.get("/my/privacy/").status_code == 302  # signed out
    assert totals() == before


def test_a_refused_deletion_shows_why_on_the_page(client: Client, member_with_history) -> None:
    _, setup = member_with_history
    client.force_login(setup.chain.leader)

    response = client.post("/my/privacy/", {"confirm": "on"})

    assert response.status_code == 409
    assert "请先解散或转让你的群" in response.content.decode()


def test_export_pins_its_query_count(
    client: Client, member_with_history, django_assert_max_num_queries
) -> None:
    member, setup = member_with_history
    for _ in range(5):
        complete(paid(setup.chain, buyer=member, phone=member.phone))
    client.force_login(member)
    with django_assert_max_num_queries(25):
        assert client.get("/my/privacy/export.json").status_code == 200


def test_old_timestamps_do_not_matter_for_deletion(member_with_history) -> None:
    member, _ = member_with_history
    Order.objects.filter(buyer=member).update(created_at=timezone.now() - timedelta(days=400))
    member_erase(user=member)
    assert Order.objects.get(buyer=member).contact_phone == ""
