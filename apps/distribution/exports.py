"""Finance's commission detail as CSV and XLSX, whatever the size.

CSV is PostgreSQL's own `COPY (query) TO STDOUT` streamed chunk by chunk to the client, so memory
stays flat; phones are masked and formula-leading text is quoted inside the query itself. XLSX is
the same query's rows made into sheet XML by PostgreSQL and zipped as they stream in
(apps.core.xlsx_stream), a new sheet every 1,048,575 rows.
"""

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import CharField, Expression, F, Func, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad
from django.http import FileResponse, StreamingHttpResponse

from apps.accounts.phone import MASK_PHONE_SQL
from apps.core.copy_out import copy_rows
from apps.core.xlsx_stream import SHEET_ROWS, XlsxCells, XlsxNumber, XlsxText, write_workbook
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
CHUNK_BYTES = 64 * 1024
_FORMULA_START = "left(%(expressions)s, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"


class EscapeFormula(Func):
    template = f"CASE WHEN {_FORMULA_START} THEN '''' || %(expressions)s ELSE %(expressions)s END"
    output_field = CharField()


_MASK = MASK_PHONE_SQL


class MaskPhone(Func):
    """138****0001, formula-escaped. A masked phone starts like the raw one (or with *), so the
    escape tests the raw phone and each row computes the mask once."""

    template = f"CASE WHEN {_FORMULA_START} THEN '''' || {_MASK} ELSE {_MASK} END"
    output_field = CharField()


class LocalTime(Func):
    """The timestamp as text in the project's time zone, as finance reads it."""

    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"
    output_field = CharField()


class LocalDate(Func):
    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
    output_field = CharField()


def _column_expressions() -> dict[str, Expression | F]:
    """The export's columns, all computed by PostgreSQL, in HEADER's order. Every free-text
    column is formula-escaped here, so neither export touches the values in Python."""
    text: CharField[str, str] = CharField()
    return {
        "c_time": LocalTime(F("created_at")),
        "c_kind": F("kind"),
        "c_level": F("level"),
        "c_name": EscapeFormula(F("beneficiary__display_name")),
        "c_phone": MaskPhone(F("beneficiary__phone")),
        "c_order": Concat(
            LocalDate(F("order__created_at")),
            LPad(Cast(F("order_id"), text), 6, Value("0")),
            output_field=text,
        ),
        "c_buyer": MaskPhone(F("order__contact_phone")),
        "c_base": F("base_amount"),
        "c_amount": F("amount"),
        "c_batch": F("batch_id"),
        "c_reason": EscapeFormula(F("reason")),
    }


FORMATTED = {"c_time", "c_kind", "c_level", "c_order"}  # made by the query: nothing to escape
NUMBERS = {"c_base", "c_amount", "c_batch"}


def _columns(entries: QuerySet[CommissionEntry]) -> QuerySet[CommissionEntry, tuple[Any, ...]]:
    columns = _column_expressions()
    return entries.annotate(**columns).values_list(*columns).order_by("created_at", "id")


def _sheet_rows(entries: QuerySet[CommissionEntry]) -> QuerySet[CommissionEntry, tuple[Any, ...]]:
    """The same columns, each row a single text value: its cells as sheet XML."""
    columns = _column_expressions()
    cells = [
        XlsxNumber(F(name)) if name in NUMBERS else XlsxText(F(name), escape=name not in FORMATTED)
        for name in columns
    ]
    return (
        entries.alias(**columns)
        .annotate(cells=XlsxCells(*cells))
        .values_list("cells")
        .order_by("created_at", "id")
    )


def _copy(rows: QuerySet[CommissionEntry, tuple[Any, ...]], options: str) -> Iterator[memoryview]:
    """The query's rows as `COPY … TO STDOUT` sends them, one row each."""
    sql, params = rows.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        literal = cursor.mogrify(sql, params) if params else sql
    return copy_rows(f"COPY ({literal}) TO STDOUT {options}")


def _copy_chunks(entries: QuerySet[CommissionEntry]) -> Iterator[bytes]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode()  # Excel reads UTF-8 CSV as Chinese with the BOM
    # COPY hands over one row at a time; the server writes CHUNK_BYTES at a time, not one socket
    # write per row.
    block = bytearray()
    for row in _copy(_columns(entries), "WITH (FORMAT csv)"):
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
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    # COPY's text format: the cells hold nothing it would escape (see apps.core.xlsx_stream).
    rows = _copy(_sheet_rows(entries), "")
    write_workbook(spool, rows, header=HEADER, sheet_title="佣金明细", sheet_rows=sheet_rows)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
