"""Finance exports the commission report from a phone, and sees the export's progress."""

import csv
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Route

from apps.demo.data import DEMO_LOGINS, DemoData
from tests.browser.conftest import sign_in_with_password

pytestmark = pytest.mark.browser

FINANCE = next(login for login in DEMO_LOGINS if login.username == "finance")


def test_finance_exports_the_commission_report(demo: DemoData, phone: Any) -> None:
    finance = phone("finance")
    page = finance.page
    sign_in_with_password(finance, username=FINANCE.username, password=FINANCE.password)
    finance.menu("分销佣金报表")
    finance.assert_fits()
    finance.shot("commission-report")

    # The export is held back until the page has shown that it is working on it.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/finance/distribution/?*export=csv*", hold)
    page.get_by_role("link", name="CSV", exact=True).click()
    busy = page.locator(".busy[role=status]")
    busy.wait_for()
    assert "正在导出" in busy.inner_text()
    finance.shot("export-in-progress")
    with page.expect_download() as info:
        held[0].continue_()
    csv_path = finance.download_path("commission-report.csv")
    info.value.save_as(csv_path)
    busy.wait_for(state="detached")
    page.unroute("**/finance/distribution/?*export=csv*")

    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) > 1, rows
    assert info.value.suggested_filename.endswith(".csv")

    workbook = load_workbook(
        finance.download("XLSX", name="commission-report.xlsx"), read_only=True
    )
    values = [row for sheet in workbook.worksheets for row in sheet.values]
    assert len(values) == len(rows), "the XLSX and the CSV hold the same lines"
