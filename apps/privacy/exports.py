"""The member's download: one JSON document, or a zip with one CSV per section."""

import csv
import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.spreadsheets import escape_formula


def personal_data_json(data: dict[str, list[dict[str, Any]]]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def personal_data_zip(data: dict[str, list[dict[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, rows in data.items():
            text = io.StringIO()
            if rows:
                writer = csv.DictWriter(text, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({key: _cell(value) for key, value in row.items()})
            # With a BOM, Excel on a Chinese Windows reads the UTF-8 as UTF-8.
            archive.writestr(f"{section}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()
