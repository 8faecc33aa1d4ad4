"""Reading an uploaded DMS export as it streams: decoding, the CSV dialect, the header, and
one parsed row at a time (`parse_row` in `rules` checks each).

Pure functions over the upload's bytes: no database.
"""

import codecs
import csv
import hashlib
import io
import itertools
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO, TextIO

from portal.errors import ServiceError
from portal.imports.rules import (
    COLUMNS,
    HISTORY_FIELDS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    VEHICLE_FIELDS,
    ParsedRow,
    parse_row,
)


class HashingReader(io.RawIOBase):
    """A binary upload read once, front to back, hashing its bytes on the way through."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.sha256.update(data)
        return len(data)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252, which older DMS exports use."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


codecs.register_error("portal-cp1252", _cp1252_fallback)


def text_stream(upload: BinaryIO) -> tuple[io.TextIOWrapper, HashingReader]:
    """The upload as text, decoded as it is read (UTF-8 with or without a BOM, else
    Windows-1252 byte by byte), and the reader that hashes its bytes."""
    hashing = HashingReader(upload)
    text = io.TextIOWrapper(
        io.BufferedReader(hashing, 64 * 1024),
        encoding="utf-8-sig",
        errors="portal-cp1252",
        newline="",
    )
    return text, hashing


def _column_name(raw: str) -> str:
    return raw.strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(
    text: TextIO, phone_region: str, today: date
) -> tuple[Iterator[ParsedRow], list[str]]:
    """Every non-blank data row, parsed as it is read; plus notes about the file.

    Raises ServiceError when the file as a whole cannot be read (not text, no header,
    missing columns, a quote never closed); a row that cannot be read as CSV is rejected
    with the reason.
    """
    head = text.read(4096)
    if "\x00" in head.partition("\n")[0]:
        raise ServiceError(
            "The file is not a plain-text CSV (a spreadsheet or UTF-16 file?). "
            "Export it as CSV in UTF-8 or Windows-1252."
        )
    try:
        dialect = csv.Sniffer().sniff(head, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # The head again, then the rest of the stream: each is read once.
    lines = itertools.chain(io.StringIO(head + text.readline(), newline=""), text)
    # RFC 4180 quoting whatever the sniffer guessed: a quote inside a quoted cell is
    # doubled, and a quote that closes mid-cell or never closes is an error, not a guess.
    reader = csv.reader(lines, dialect, doublequote=True, strict=True)
    header = _header(reader)
    columns = [_column_name(name) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ServiceError(
            "The header row lacks " + ", ".join(missing) + ". Compare it with the sample file."
        )
    ignored = [name for name in header if _column_name(name) not in COLUMNS and name.strip()]
    notes = [f"Ignored column{'s' if len(ignored) > 1 else ''}: {', '.join(ignored)}."] * bool(
        ignored
    )
    return _parsed_rows(reader, columns, phone_region, today), notes


def _header(reader: Iterator[list[str]]) -> list[str]:
    """The header row, or why the file has none."""
    try:
        header = next(reader, None)
    except csv.Error as problem:
        raise ServiceError(f"The header row cannot be read: {_csv_problem(problem)}.") from None
    if not header:
        raise ServiceError("The file is empty. Export the customer list with its header row.")
    return header


def _parsed_rows(
    reader: Iterator[list[str]], columns: list[str], phone_region: str, today: date
) -> Iterator[ParsedRow]:
    """Each data row as it is read: parsed, or rejected with why it cannot be read."""
    count = 0
    for number in itertools.count(2):
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:
            if "unexpected end of data" in str(problem):
                raise ServiceError(
                    f"Row {number} opens a quote that is never closed, so the rest of the file "
                    "cannot be read. Fix that row and upload the file again."
                ) from None
            cells, reason = None, _csv_problem(problem)
        if cells is not None and not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ServiceError(f"The file has more than {MAX_ROWS:,} rows; split it in parts.")
        if cells is None:
            yield unreadable_row(number, reason)
            continue
        raw = {
            name: cells[index].strip() if index < len(cells) else ""
            for index, name in enumerate(columns)
            if name in COLUMNS
        }
        yield parse_row(number, raw, phone_region, today)


def _csv_problem(problem: csv.Error) -> str:
    """What a CSV reading error means, in the words of someone fixing the export."""
    message = str(problem)
    if "field larger than field limit" in message:
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    if "expected after" in message:
        return "a quote closes in the middle of a cell"
    return f"the row is not valid CSV ({message[:100]})"


def unreadable_row(number: int, reason: str) -> ParsedRow:
    """A row the CSV reader could not read: rejected with why, its values blank."""
    values = dict.fromkeys(("customer_id", "name", "email", "phone", "vin", "make", "model"))
    values |= dict.fromkeys((*VEHICLE_FIELDS, *HISTORY_FIELDS, "birthday"))
    return ParsedRow(number, values, [reason + "; row not read"])
