"""A chain from both ends, on phones: a member orders and gets a number (one order however fast
they tap), then the leader marks it paid, copies the chain text and downloads the pick sheet."""

import csv
from typing import Any

import pytest
from openpyxl import load_workbook

from apps.chains.models import ChainEntry
from apps.demo.data import DEMO_CHAIN_SLUG, DEMO_LOGINS, DemoData
from apps.orders.models import Order
from tests.browser.conftest import sign_in_with_password

pytestmark = pytest.mark.browser

MEMBER_PHONE = "13912345678"
LEADER = next(login for login in DEMO_LOGINS if login.username == "leader")


def test_member_orders_once_and_the_leader_takes_it_from_there(demo: DemoData, phone: Any) -> None:
    member = phone("member")
    member.goto(f"/c/{DEMO_CHAIN_SLUG}/")
    page = member.page
    member.assert_fits()
    member.shot("chain-page")

    quantity = page.locator("input.qty:not([disabled])").first
    quantity.fill("2")
    page.get_by_label("姓名").fill("林小雨")
    page.get_by_label("手机号").fill(MEMBER_PHONE)
    assert page.locator("#total").inner_text() != "¥0.00"
    member.shot("chain-form-filled")
    # Two taps in a row, as an impatient thumb does: one order, one number.
    page.locator("#submit-order").dblclick()
    page.wait_for_url("**/o/**")
    member.assert_fits()
    member.shot("receipt")

    orders = Order.objects.filter(contact_phone=MEMBER_PHONE)
    assert orders.count() == 1
    entry = ChainEntry.objects.select_related("order").get(order=orders.get())
    assert page.locator(".big").inner_text() == str(entry.sequence)
    assert entry.pickup_code in page.content()
    assert entry.order.status == Order.Status.PENDING_PAYMENT

    leader = phone("leader")
    leader.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=leader.base_url)
    sign_in_with_password(leader, username=LEADER.username, password=LEADER.password)
    leader.goto("/leader/chains/")
    leader.assert_fits()
    leader.shot("chains")
    leader.page.get_by_role("link", name=demo.open_chain.title).click()
    leader.assert_fits()
    leader.shot("chain-manage")

    leader.page.get_by_label(f"#{entry.sequence}", exact=True).check()
    leader.page.get_by_label("批量操作").select_option("mark_paid")
    leader.page.get_by_role("button", name="应用到所选").click()
    leader.page.wait_for_load_state()
    leader.shot("marked-paid")
    entry.order.refresh_from_db()
    assert entry.order.status == Order.Status.PAID

    leader.page.get_by_role("link", name="复制接龙文本").click()
    leader.page.get_by_role("button", name="一键复制").click()
    leader.page.get_by_role("button", name="已复制，去群里粘贴吧").wait_for()
    copied = leader.page.evaluate("navigator.clipboard.readText()")
    assert copied == leader.page.locator("#chain-text").inner_text()
    assert demo.open_chain.title in copied
    leader.assert_fits()
    leader.shot("chain-text")

    leader.page.go_back()
    leader.page.get_by_role("link", name="拣货单").click()
    leader.assert_fits()
    leader.shot("pick-sheet")
    sheet = leader.download("CSV", name="pick-sheet.csv")
    rows = list(csv.reader(sheet.read_text(encoding="utf-8-sig").splitlines()))
    assert any("林小雨" in row for row in rows), rows[:3]
    workbook = load_workbook(leader.download("XLSX", name="pick-sheet.xlsx"), read_only=True)
    cells = {cell for sheet in workbook.worksheets for row in sheet.values for cell in row}
    assert "林小雨" in cells
