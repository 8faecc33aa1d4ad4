"""CSV exports that spreadsheets open as data: no cell is ever read as a formula."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain
from typing import Any

from flask import Response, stream_with_context

#: A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice
#: and Google Sheets (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str | int | float:
    """The value as a CSV cell; text a spreadsheet would run gets a leading apostrophe.

    Numbers stay numbers (a negative number is not a formula); None is empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """One CSV line at a time, every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([header], rows):
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV document as text."""
    return "".join(_csv_lines(header, rows))


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    """Stream a CSV download; the byte-order mark makes Excel read it as UTF-8."""
    return Response(
        stream_with_context(chain(["\ufeff"], _csv_lines(header, rows))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
