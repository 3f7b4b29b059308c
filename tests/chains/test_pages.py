"""The member's chain page and the leader's pages, through Django's test client."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from apps.chains.models import ChainEntry
from apps.chains.services import chain_order_place
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain

pytestmark = pytest.mark.django_db


def form_token(client: Client, setup: ChainSetup) -> str:
    page = client.get(f"/c/{setup.chain.slug}/").content.decode()
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "the order form carries a submission token"
    return match.group(1)


def order_data(setup: ChainSetup, token: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "contact_name": "王小明",
        "contact_phone": "138 0013 8000",
        "pickup_point": setup.pickup_points[1].pk,
        "note": "放门口",
        "token": token,
        f"qty_{setup.items[0].pk}": 2,
    }
    data.update(extra)
    return data


def add_entries(setup: ChainSetup, count: int) -> None:
    for n in range(count):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"顾客{n}",
            contact_phone=f"1350000{n:04d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[n % 2],
            submission_token=f"seed-{n}",
        )


def test_a_member_orders_without_an_account_and_sees_the_number(client: Client) -> None:
    setup = open_chain(price=Decimal("19.90"))
    token = form_token(client, setup)

    response = client.post(f"/c/{setup.chain.slug}/", order_data(setup, token))

    assert response.status_code == 302
    receipt = client.get(response["Location"])
    order = Order.objects.get()
    assert order.contact_phone == "13800138000"
    assert order.total_amount == Decimal("39.80")
    assert "接龙成功" in receipt.content.decode()
    assert ChainEntry.objects.get().pickup_code in receipt.content.decode()
    # and the chain page now lists the entry with a masked name
    assert "1. 王** " in client.get(f"/c/{setup.chain.slug}/").content.decode()


def test_resubmitting_the_same_form_makes_one_order(client: Client) -> None:
    setup = open_chain()
    data = order_data(setup, form_token(client, setup))

    first = client.post(f"/c/{setup.chain.slug}/", data)
    second = client.post(f"/c/{setup.chain.slug}/", data)

    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1


def test_a_tampered_price_is_ignored_the_server_prices_everything(client: Client) -> None:
    setup = open_chain(price=Decimal("50.00"))
    data = order_data(setup, form_token(client, setup), price="0.01", total="0.01")

    client.post(f"/c/{setup.chain.slug}/", data)

    assert Order.objects.get().total_amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contact_phone": "12345"}, "手机号"),
        ({"token": "forged"}, "提交无效"),
        ({"pickup_point": ""}, "自提点"),
        ({"qty_ITEM": 0}, "至少选择"),
        ({"qty_ITEM": -3}, "0"),
        ({"qty_ITEM": 100000}, "999"),
        ({"contact_name": ""}, "必填"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    client: Client, changes: dict[str, object], message: str
) -> None:
    setup = open_chain()
    data = order_data(setup, form_token(client, setup))
    for key, value in changes.items():
        data[key.replace("ITEM", str(setup.items[0].pk))] = value

    response = client.post(f"/c/{setup.chain.slug}/", data)

    assert 400 <= response.status_code < 500
    assert message in response.content.decode()
    assert Order.objects.count() == 0


def test_a_token_from_another_chain_is_refused(client: Client) -> None:
    setup = open_chain()
    other = open_chain()

    response = client.post(f"/c/{setup.chain.slug}/", order_data(setup, form_token(client, other)))

    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_a_draft_chain_is_not_public(client: Client) -> None:
    setup = open_chain(open_now=False)
    assert client.get(f"/c/{setup.chain.slug}/").status_code == 404


def test_the_public_page_runs_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    setup = open_chain(caps=(200,), stock=500)
    add_entries(setup, 5)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/c/{setup.chain.slug}/")
    add_entries_more = 40
    for n in range(5, 5 + add_entries_more):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"顾客{n}",
            contact_phone=f"1350000{n:04d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"more-{n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/c/{setup.chain.slug}/")


def test_leader_pages_are_only_for_those_who_run_the_chain(client: Client) -> None:
    setup = open_chain()
    client.force_login(UserFactory())
    for path in ("", "text/", "pick-sheet/", "edit/"):
        assert client.get(f"/leader/chains/{setup.chain.pk}/{path}").status_code == 404
    assert client.post(f"/leader/chains/{setup.chain.pk}/do/close/").status_code == 404
    client.logout()
    assert client.get(f"/leader/chains/{setup.chain.pk}/").status_code == 302  # to login


def test_the_entries_table_runs_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    setup = open_chain(caps=(200,), stock=500)
    client.force_login(setup.leader)
    add_entries(setup, 3)
    with django_assert_max_num_queries(25) as few:
        response = client.get(f"/leader/chains/{setup.chain.pk}/")
    assert response.status_code == 200
    for n in range(3, 43):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"顾客{n}",
            contact_phone=f"1350000{n:04d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"more-{n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/leader/chains/{setup.chain.pk}/")


def test_the_leader_marks_paid_in_bulk_and_picks_up_by_code(client: Client) -> None:
    setup = open_chain()
    add_entries(setup, 3)
    client.force_login(setup.leader)
    entries = list(ChainEntry.objects.order_by("sequence"))

    client.post(
        f"/leader/chains/{setup.chain.pk}/entries/",
        {"action": "mark_paid", "entry": [entries[0].pk, entries[1].pk]},
    )
    client.post(f"/leader/chains/{setup.chain.pk}/pickup/", {"code": entries[0].pickup_code})

    statuses = [Order.objects.get(pk=e.order_id).status for e in entries]
    assert statuses == [Order.Status.COMPLETED, Order.Status.PAID, Order.Status.PENDING_PAYMENT]


def test_the_leader_cannot_act_on_entries_of_another_chain(client: Client) -> None:
    setup = open_chain()
    other = open_chain()
    add_entries(other, 1)
    client.force_login(setup.leader)

    client.post(
        f"/leader/chains/{setup.chain.pk}/entries/",
        {"action": "mark_paid", "entry": [ChainEntry.objects.get(chain=other.chain).pk]},
    )

    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT


def test_refund_page_refunds_part_of_an_order(client: Client) -> None:
    setup = open_chain(price=Decimal("10.00"))
    add_entries(setup, 1)
    entry = ChainEntry.objects.get()
    order_mark_paid(order=entry.order, actor=setup.leader)
    line = entry.order.lines.get()
    client.force_login(setup.leader)

    too_much = client.post(
        f"/leader/chains/{setup.chain.pk}/entries/{entry.pk}/refund/",
        {"reason": "坏了", f"line_{line.pk}": 5, "restock": "on"},
    )
    ok = client.post(
        f"/leader/chains/{setup.chain.pk}/entries/{entry.pk}/refund/",
        {"reason": "坏了", f"line_{line.pk}": 1, "restock": "on"},
    )

    assert too_much.status_code == 200  # the form again, with its error
    assert ok.status_code == 302
    entry.order.refresh_from_db()
    assert entry.order.refunded_amount == Decimal("10.00")
    assert entry.order.status == Order.Status.REFUNDED


def test_chain_text_is_wechat_ready(client: Client) -> None:
    setup = open_chain()
    add_entries(setup, 2)
    client.force_login(setup.leader)

    page = client.get(f"/leader/chains/{setup.chain.pk}/text/").content.decode()

    assert "#接龙 周末水果接龙" in page
    assert "1. 顾** " in page and "2. 顾** " in page


def test_pick_sheets_mask_phones_unless_asked_and_export_csv_and_xlsx(client: Client) -> None:
    setup = open_chain()
    add_entries(setup, 2)
    client.force_login(setup.leader)
    base = f"/leader/chains/{setup.chain.pk}/pick-sheet/"

    page = client.get(base).content.decode()
    assert "135****0000" in page and "13500000000" not in page
    assert "13500000000" in client.get(base + "?full_phone=1").content.decode()

    rows = list(
        csv.reader(io.StringIO(client.get(base + "?format=csv").content.decode("utf-8-sig")))
    )
    assert rows[0][:3] == ["自提点", "序号", "姓名"]
    assert {row[1] for row in rows[1:3]} == {"1", "2"}

    workbook = load_workbook(io.BytesIO(client.get(base + "?format=xlsx").content))
    assert workbook.sheetnames == ["拣货单", "汇总"]
    assert workbook["拣货单"].max_row == 3


def test_a_formula_in_a_member_name_is_escaped_in_exports(client: Client) -> None:
    setup = open_chain()
    chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="=HYPERLINK(1)",
        contact_phone="13500000001",
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token="formula",
    )
    client.force_login(setup.leader)

    body = client.get(f"/leader/chains/{setup.chain.pk}/pick-sheet/?format=csv").content
    assert "'=HYPERLINK(1)" in body.decode("utf-8-sig")


def chain_form_data(setup: ChainSetup, **overrides: object) -> dict[str, object]:
    from datetime import timedelta

    from django.utils import timezone

    closes = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data: dict[str, object] = {
        "community": setup.community.pk,
        "title": "周三蔬菜接龙",
        "description": "",
        "opens_at": "",
        "closes_at": closes,
        "fulfilment": "pickup",
        "min_group_size": "",
        "pickup_points": [setup.pickup_points[0].pk],
        "items-TOTAL_FORMS": 1,
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 30,
        "items-0-sku": setup.skus[0].pk,
        "items-0-title": "",
        "items-0-group_price": "12.50",
        "items-0-stock_cap": 10,
        "items-0-per_person_limit": "",
    }
    data.update(overrides)
    return data


def test_the_leader_creates_a_chain_through_the_form_then_opens_it(client: Client) -> None:
    from apps.chains.models import Chain

    setup = open_chain()
    client.force_login(setup.leader)

    response = client.post("/leader/chains/new/", chain_form_data(setup))

    chain = Chain.objects.get(title="周三蔬菜接龙")
    assert response["Location"] == f"/leader/chains/{chain.pk}/"
    assert chain.status == Chain.Status.DRAFT
    assert chain.items.get().group_price == Decimal("12.50")
    client.post(f"/leader/chains/{chain.pk}/do/open/")
    chain.refresh_from_db()
    assert chain.status == Chain.Status.OPEN
    assert client.get(f"/c/{chain.slug}/").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_at": "2020-01-01T10:00"}, "截单时间必须在未来"),
        ({"items-0-group_price": "0"}, "0.01"),
        ({"items-0-stock_cap": 1000}, "超过库存"),
        ({"items-TOTAL_FORMS": 0}, "至少需要一件商品"),
    ],
)
def test_the_chain_form_refuses_bad_input_and_creates_nothing(
    client: Client, overrides: dict[str, object], message: str
) -> None:
    from apps.chains.models import Chain

    setup = open_chain()
    client.force_login(setup.leader)

    response = client.post("/leader/chains/new/", chain_form_data(setup, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Chain.objects.count() == 1  # only the factory's


def test_the_chain_form_offers_only_the_leaders_own_groups_and_goods(client: Client) -> None:
    setup = open_chain()
    other = open_chain()
    client.force_login(setup.leader)

    response = client.post(
        "/leader/chains/new/",
        chain_form_data(setup, community=other.community.pk, **{"items-0-sku": other.skus[0].pk}),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "选择一个有效的选项" in page or "Select a valid choice" in page
