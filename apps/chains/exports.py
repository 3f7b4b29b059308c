"""Pick sheets as CSV and XLSX files (the page itself renders the same data)."""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

from apps.chains.selectors import PickSheet
from apps.core.spreadsheets import escape_formula as _escape

HEADER = ["自提点", "序号", "姓名", "手机", "核销码", "状态", "商品"]


def _rows(sheets: list[PickSheet]) -> list[list[object]]:
    rows: list[list[object]] = []
    for sheet in sheets:
        for row in sheet.rows:
            rows.append(
                [
                    sheet.point,
                    row.sequence,
                    row.name,
                    row.phone,
                    row.pickup_code,
                    row.status,
                    row.summary,
                ]
            )
    return rows


def pick_sheet_csv(sheets: list[PickSheet], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV as Chinese only with the BOM
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in _rows(sheets):
        writer.writerow([_escape(value) for value in row])
    writer.writerow([])
    writer.writerow(["自提点", "商品", "数量"])
    for sheet in sheets:
        for title, quantity in sheet.totals.items():
            writer.writerow([_escape(sheet.point), _escape(title), quantity])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def pick_sheet_xlsx(sheets: list[PickSheet], filename: str) -> HttpResponse:
    workbook = Workbook()
    entries = workbook.create_sheet("拣货单", 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    entries.append(HEADER)
    for row in _rows(sheets):
        entries.append([_escape(value) for value in row])
    totals = workbook.create_sheet("汇总")
    totals.append(["自提点", "商品", "数量"])
    for sheet in sheets:
        for title, quantity in sheet.totals.items():
            totals.append([_escape(sheet.point), _escape(title), quantity])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
