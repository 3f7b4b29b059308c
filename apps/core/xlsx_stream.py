"""XLSX of any size whose sheet rows PostgreSQL writes: `COPY (query) TO STDOUT` hands over each
row's cells as ready-made sheet XML, and Python only numbers the rows and deflates them into the
zip member, a new sheet every `SHEET_ROWS` rows. Memory stays flat.

Why not openpyxl: it builds a Python cell object and an XML element per value; the commission
export of 100,000 ledger rows (11 columns) took ~84 times PostgreSQL's COPY of the same rows that
way (bench/README.md, commission_export). Small workbooks (apps.chains.exports' pick sheets) stay
on openpyxl.

The cells: text as inline strings (`t="inlineStr"`, no shared-string table to hold in memory),
XML-escaped, with the characters XML 1.0 forbids removed; numbers as numeric cells; NULL as an
empty cell. The escaping also leaves no tab, newline, carriage return or backslash in a row, so
COPY's text format passes the rows through unchanged. Formula escaping (a leading apostrophe)
stays with the caller's query, as for its CSV.
"""

import zipfile
from collections.abc import Iterable, Sequence
from typing import IO
from xml.sax.saxutils import escape

from django.db.models import Func, TextField

SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
BLOCK_BYTES = 256 * 1024  # rows gathered before each write to the deflater
# Deflate level 1: per 100,000 ledger rows 0.85 s and 2.2 MB, against 1.75 s and 1.15 MB at zlib's
# default level 6 (48 MB of sheet XML either way).
COMPRESS_LEVEL = 1

# XML 1.0 allows tab, newline, carriage return, U+0020-U+D7FF, U+E000-U+FFFD and above; PostgreSQL
# text holds no NUL or surrogates, so these are all the characters left to drop.
_ILLEGAL = frozenset([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
_ILLEGAL_SQL = "E'" + "".join(f"\\u{code:04X}" for code in sorted(_ILLEGAL)) + "'"
# (SQL of the character, its XML): entities first (&), then what COPY's text format would escape.
# Quotes need no escaping in element text (only in attributes, which hold no data here).
_REPLACEMENTS = [
    ("'&'", "&amp;"),
    ("'<'", "&lt;"),
    ("'>'", "&gt;"),
    ("'\\'", "&#92;"),
    ("chr(9)", "&#9;"),
    ("chr(10)", "&#10;"),
    ("chr(13)", "&#13;"),
]


def _escaped_sql(value: str) -> str:
    """SQL making `value` safe inside <t>: illegal characters dropped, the rest escaped."""
    sql = f"translate({value}, {_ILLEGAL_SQL}, '')"
    for char_sql, xml in _REPLACEMENTS:
        sql = f"replace({sql}, {char_sql}, '{xml}')"
    return sql


class XlsxText(Func):
    """A text cell as sheet XML, computed by PostgreSQL. `escape=False` only for text the
    query itself formats (dates, codes, choices), which can hold none of & < > \\ or controls."""

    output_field = TextField()

    def __init__(self, expression: object, *, escape: bool = True) -> None:
        value = _escaped_sql("%(expressions)s") if escape else "%(expressions)s"
        space = ' xml:space="preserve"' if escape else ""  # keep leading/trailing blanks
        self.template = (
            f"COALESCE('<c t=\"inlineStr\"><is><t{space}>' || {value} || '</t></is></c>', '<c/>')"
        )
        super().__init__(expression)


class XlsxNumber(Func):
    """A numeric cell as sheet XML (PostgreSQL's numeric and integer text is XML's number)."""

    template = "COALESCE('<c><v>' || %(expressions)s || '</v></c>', '<c/>')"
    output_field = TextField()


class XlsxCells(Func):
    """One sheet row's cells, in order: XlsxText and XlsxNumber joined."""

    template = "%(expressions)s"
    arg_joiner = " || "
    output_field = TextField()


def text_cell(value: str) -> bytes:
    """The same cell as XlsxText, made in Python (for the header row)."""
    text = "".join(char for char in value if ord(char) not in _ILLEGAL)
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'.encode()


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _fixed_parts(titles: Sequence[str]) -> dict[str, str]:
    """Everything but the sheets: content types, relationships, the workbook, styles."""
    numbers = range(1, len(titles) + 1)
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
        for n in numbers
    )
    workbook_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    styles_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
    sheets = "".join(
        f'<sheet name="{escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, title in zip(numbers, titles, strict=True)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{styles_type}"/>'
            f"{sheet_types}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1"'
            f' Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>{sheets}</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}">{sheet_rels}<Relationship Id="rId{len(titles) + 1}"'
            f' Type="{_DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }


def write_workbook(
    file: IO[bytes],
    rows: Iterable[bytes | memoryview],
    *,
    header: Sequence[str],
    sheet_title: str,
    sheet_rows: int = SHEET_ROWS,
) -> None:
    """Write an XLSX to `file`: sheets titled `sheet_title` 1, 2, … each with `header` then up to
    `sheet_rows` rows. Each of `rows` is one row's cells (XlsxCells) ending in a newline, as
    COPY … TO STDOUT hands them over."""
    header_row = b'<row r="1">' + b"".join(text_cell(title) for title in header) + b"</row>"
    titles: list[str] = []
    with zipfile.ZipFile(
        file, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL
    ) as book:

        def next_sheet() -> IO[bytes]:
            titles.append(f"{sheet_title}{len(titles) + 1}")
            name = f"xl/worksheets/sheet{len(titles)}.xml"
            sheet = book.open(name, "w", force_zip64=True)  # a sheet may pass 2 GB unpacked
            sheet.write(_SHEET_HEAD + header_row)
            return sheet

        sheet = next_sheet()
        block = bytearray()
        written = 0
        for row in rows:
            if written == sheet_rows:
                sheet.write(block + _SHEET_TAIL)
                sheet.close()
                sheet, written = next_sheet(), 0
                block.clear()
            written += 1
            block += b'<row r="%d">' % (written + 1)
            block += memoryview(row)[:-1]  # less COPY's newline
            block += b"</row>"
            if len(block) >= BLOCK_BYTES:
                sheet.write(block)
                block.clear()
        sheet.write(block + _SHEET_TAIL)
        sheet.close()
        for name, xml in _fixed_parts(titles).items():
            book.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
