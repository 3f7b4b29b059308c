"""Finance's commission detail as CSV and XLSX, whatever the size.

CSV is PostgreSQL's own `COPY (query) TO STDOUT` streamed chunk by chunk to the client, so memory
stays flat; phones are masked and formula-leading text is quoted inside the query itself. XLSX is
openpyxl's write-only workbook fed from a server-side cursor, a new sheet every 1,048,575 rows.
"""

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import CharField, F, Func, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from apps.distribution.models import CommissionEntry

HEADER = [
    "时间",
    "类型",
    "层级",
    "收款人",
    "收款人手机",
    "订单号",
    "买家手机",
    "计佣金额",
    "佣金",
    "结算批次",
    "说明",
]
SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
CHUNK_BYTES = 64 * 1024


class EscapeFormula(Func):
    template = (
        "CASE WHEN left(%(expressions)s, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"
        " THEN '''' || %(expressions)s ELSE %(expressions)s END"
    )
    output_field = CharField()


class MaskPhone(Func):
    template = (
        "CASE WHEN length(%(expressions)s) >= 7"
        " THEN left(%(expressions)s, 3) || '****' || right(%(expressions)s, 4)"
        " ELSE %(expressions)s END"
    )
    output_field = CharField()


class LocalTime(Func):
    """The timestamp as text in the project's time zone, as finance reads it."""

    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"
    output_field = CharField()


class LocalDate(Func):
    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
    output_field = CharField()


def _columns(entries: QuerySet[CommissionEntry]) -> QuerySet[CommissionEntry, tuple[Any, ...]]:
    """The export's columns, all computed by PostgreSQL, in HEADER's order. Every free-text
    column is formula-escaped here, so neither export touches the values in Python."""
    text: CharField[str, str] = CharField()
    columns = {
        "c_time": LocalTime(F("created_at")),
        "c_kind": F("kind"),
        "c_level": F("level"),
        "c_name": EscapeFormula(F("beneficiary__display_name")),
        "c_phone": EscapeFormula(MaskPhone(F("beneficiary__phone"))),
        "c_order": Concat(
            LocalDate(F("order__created_at")),
            LPad(Cast(F("order_id"), text), 6, Value("0")),
            output_field=text,
        ),
        "c_buyer": EscapeFormula(MaskPhone(F("order__contact_phone"))),
        "c_base": F("base_amount"),
        "c_amount": F("amount"),
        "c_batch": F("batch_id"),
        "c_reason": EscapeFormula(F("reason")),
    }
    return entries.annotate(**columns).values_list(*columns).order_by("created_at", "id")


def _copy_chunks(entries: QuerySet[CommissionEntry]) -> Iterator[bytes]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode()  # Excel reads UTF-8 CSV as Chinese with the BOM
    sql, params = _columns(entries).query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        literal = cursor.mogrify(sql, params) if params else sql
        with cursor.copy(f"COPY ({literal}) TO STDOUT WITH (FORMAT csv)") as copy:
            # COPY hands over one row at a time; the server writes CHUNK_BYTES at a time, not
            # one socket write per row.
            block = bytearray()
            for row in copy:
                block += row
                if len(block) >= CHUNK_BYTES:
                    yield bytes(block)
                    block.clear()
            if block:
                yield bytes(block)


def commission_csv(entries: QuerySet[CommissionEntry], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_copy_chunks(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def commission_xlsx(
    entries: QuerySet[CommissionEntry], filename: str, *, sheet_rows: int = SHEET_ROWS
) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = None
    written = sheet_rows
    for row in _columns(entries).iterator(chunk_size=2000):
        if written >= sheet_rows:
            sheet = workbook.create_sheet(f"佣金明细{len(workbook.worksheets) + 1}")
            sheet.append(HEADER)
            written = 0
        assert sheet is not None  # noqa: S101  (created on the first row)
        sheet.append(row)  # text already formula-escaped by _columns
        written += 1
    if sheet is None:
        workbook.create_sheet("佣金明细1").append(HEADER)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
