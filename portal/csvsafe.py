"""CSV downloads that spreadsheets open as data, never as formulas."""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from flask import Response, stream_with_context

#: A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice
#: and Google Sheets (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading apostrophe when it could start a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """Stream the header and rows as a CSV attachment, every cell passed through `safe_cell`."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in chain([header], rows):
            writer.writerow([safe_cell(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
