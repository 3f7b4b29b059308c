"""The commission XLSX, written from PostgreSQL's sheet XML, holds what the CSV holds."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.distribution import exports, selectors, services
from apps.distribution.models import CommissionEntry
from apps.orders.models import Order
from tests.accounts.factories import staff_user
from tests.distribution.factories import dist_setup, paid

pytestmark = pytest.mark.django_db

# A name with markup, quotes, a control character (illegal in XML: dropped), a backslash, a
# newline and blanks at both ends.
NAME = ' A <&> "B"\x07\\C\nD '
REASON = '=HYPERLINK("http://x")'
NUMERIC_COLUMNS = {7, 8, 9}  # 计佣金额, 佣金, 结算批次


def _ledger() -> list[CommissionEntry]:
    setup = dist_setup()
    user = setup.distributor.user
    user.display_name = NAME
    user.save(update_fields=["display_name"])
    paid(setup.chain, code=setup.distributor.code, quantity=2)
    paid(setup.chain, code=setup.distributor.code, quantity=1)
    services.commission_adjust(
        beneficiary=user, amount=Decimal("1.25"), reason=REASON, actor=staff_user("finance")
    )
    return list(CommissionEntry.objects.all())


def _detail() -> object:
    return selectors.report_order_detail(staff_user("finance"), selectors.ReportFilters())


def _csv_rows() -> list[list[str]]:
    response = exports.commission_csv(_detail(), "t")  # type: ignore[arg-type]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(text)))


def _xlsx_sheets(sheet_rows: int = exports.SHEET_ROWS) -> dict[str, list[tuple[object, ...]]]:
    response = exports.commission_xlsx(_detail(), "t", sheet_rows=sheet_rows)  # type: ignore[arg-type]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def _as_xlsx(index: int, value: str) -> object:
    """What the CSV's value becomes in the XLSX: numbers as numbers (NULL: an empty cell)."""
    if index in NUMERIC_COLUMNS and value:
        return Decimal(value)
    return value.replace("\x07", "")  # XML 1.0 cannot hold it


def _from_xlsx(value: object) -> object:
    if value is None:
        return ""  # an empty cell, as the CSV writes NULL
    return Decimal(str(value)) if isinstance(value, float | int) else value


def test_xlsx_cells_equal_the_csv() -> None:
    entries = _ledger()
    csv_rows = _csv_rows()
    sheets = _xlsx_sheets()
    assert list(sheets) == ["佣金明细1"]
    rows = sheets["佣金明细1"]
    assert rows[0] == tuple(exports.HEADER) == tuple(csv_rows[0])
    assert len(rows) == len(entries) + 1 == len(csv_rows)
    for xlsx_row, csv_row in zip(rows[1:], csv_rows[1:], strict=True):
        cells = [_from_xlsx(value) for value in xlsx_row]
        assert cells == [_as_xlsx(i, value) for i, value in enumerate(csv_row)]
    assert NAME.replace("\x07", "") in {row[3] for row in rows[1:]}
    adjustment = next(row for row in rows[1:] if row[10] == "'" + REASON)
    assert adjustment[8] == 1.25  # a number, not text


def test_xlsx_starts_a_new_sheet_after_sheet_rows() -> None:
    entries = _ledger()
    csv_rows = _csv_rows()
    sheets = _xlsx_sheets(sheet_rows=3)
    assert len(entries) == 5
    assert list(sheets) == ["佣金明细1", "佣金明细2"]
    first, second = sheets.values()
    assert first[0] == second[0] == tuple(exports.HEADER)
    assert len(first) == 4 and len(second) == 3
    order_numbers = [row[5] for row in first[1:] + second[1:]]
    assert order_numbers == [_as_xlsx(5, row[5]) for row in csv_rows[1:]]


def test_empty_ledger_gives_one_sheet_with_the_header() -> None:
    assert _xlsx_sheets() == {"佣金明细1": [tuple(exports.HEADER)]}


def test_phones_are_masked_and_a_short_one_is_starred_not_shown() -> None:
    _ledger()
    Order.objects.update(contact_phone="12345")  # a number too short to mask
    rows = _csv_rows()[1:]
    assert {row[6] for row in rows if row[6]} == {"*****"}
    payees = {row[4] for row in rows}
    assert payees and all(phone[3:7] == "****" for phone in payees)
