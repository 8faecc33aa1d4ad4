"""Reading a dealer-management-system CSV export: columns, row parsing and validation.

Pure functions: no database. `read_rows` turns the uploaded bytes into `ParsedRow`s, each
with its clean values or the reasons it cannot be imported; `chunks` and `stored_value`
serve the planning and applying services.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from portal.accounts.services.members import normalise_email
from portal.errors import ServiceError
from portal.garage.rules import checked_vin
from portal.phones import normalise_phone

#: The columns, in the order of the sample file. Names are matched case-insensitively;
#: spaces and hyphens count as underscores; unknown columns are ignored.
COLUMNS = (
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "vin",
    "make",
    "model",
    "year",
    "purchase_date",
    "odometer",
    "warranty_end_date",
    "warranty_miles",
)
REQUIRED_COLUMNS = ("first_name", "last_name", "email", "vin", "make", "model", "year")
#: What each column holds, for the page that explains the format.
COLUMN_HELP = {
    "customer_id": "Optional. The DMS customer number; shown in the preview to find the row.",
    "first_name": "Required (with last_name).",
    "last_name": "Required (with first_name).",
    "email": "Required. One account per email; several rows with one email add several cars.",
    "phone": "Optional. Any common format; numbers without +country use the dealership's region.",
    "vin": "Required. 17 characters; North American VINs must pass the check digit.",
    "make": "Required, e.g. Honda.",
    "model": "Required, e.g. Civic.",
    "year": "Required. Model year, e.g. 2024.",
    "purchase_date": "Optional. YYYY-MM-DD or MM/DD/YYYY.",
    "odometer": "Optional. Miles at purchase, whole number.",
    "warranty_end_date": "Optional. YYYY-MM-DD or MM/DD/YYYY.",
    "warranty_miles": "Optional. Warranty mileage limit, whole number.",
}
SAMPLE_ROWS = (
    ("C-10231", "Priya", "Patel", "priya.patel@example.com", "(202) 555-0143",
     "1HGCM82633A004352", "Honda", "Accord", "2024", "2024-03-18", "12",
     "2027-03-18", "36000"),
    ("C-10231", "Priya", "Patel", "priya.patel@example.com", "(202) 555-0143",
     "2HGFC2F56JH000017", "Honda", "Civic", "2018", "06/02/2021", "30,112", "", ""),
    ("C-10488", "Marcus", "Reyes", "marcus.reyes@example.com", "",
     "5FNRL6H56NB000014", "Honda", "Odyssey", "2022", "2022-09-30", "8", "2025-09-30", "36000"),
)  # fmt: skip
MAX_ROWS = 50_000
MAX_FIELD_LENGTH = 200
#: Text columns and the model's column widths.
TEXT_LIMITS = {"first_name": 60, "last_name": 60, "make": 60, "model": 60, "customer_id": 40}
#: What a planned row does: adds an owner or a car, updates one, changes nothing, or cannot.
OUTCOMES = ("create", "update", "unchanged", "rejected")
#: Rows per IN (...) query: well under SQLite's bound-parameter limit.
IN_CHUNK = 500

VEHICLE_FIELDS = (
    "make",
    "model",
    "year",
    "purchase_date",
    "purchase_odometer",
    "warranty_end_date",
    "warranty_miles",
)


@dataclass
class ParsedRow:
    """One data row: its spreadsheet row number, clean values, reasons to reject, warnings."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sample_csv() -> str:
    """The downloadable example file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(SAMPLE_ROWS)
    return buffer.getvalue()


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, which older DMS exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _column_name(raw: str) -> str:
    return raw.strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(data: bytes, phone_region: str, today: date) -> tuple[list[ParsedRow], list[str]]:
    """Every non-blank data row, parsed; plus notes about the file (ignored columns).

    Raises ServiceError when the file as a whole cannot be read (no header, missing columns).
    """
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise ServiceError("The file is empty. Export the customer list with its header row.")
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
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ServiceError(f"The file has more than {MAX_ROWS:,} rows; split it in parts.")
        raw = {
            name: cells[index].strip() if index < len(cells) else ""
            for index, name in enumerate(columns)
            if name in COLUMNS
        }
        rows.append(parse_row(number, raw, phone_region, today))
    return rows, notes


def parse_row(number: int, raw: dict[str, str], phone_region: str, today: date) -> ParsedRow:
    """Validate one row's cells into clean values, collecting every problem at once."""
    row = ParsedRow(number)
    values = row.values
    for name, limit in TEXT_LIMITS.items():
        if len(raw.get(name, "")) > limit:
            row.errors.append(f"{name} is longer than {limit} characters")
    values["customer_id"] = raw.get("customer_id", "")[:40] or None
    name = " ".join(part for part in (raw.get("first_name"), raw.get("last_name")) if part)
    if not name:
        row.errors.append("no first or last name")
    values["name"] = name[:120]
    values["email"] = _email(raw.get("email", ""), row)
    values["phone"] = _phone(raw.get("phone", ""), phone_region, row)
    values["vin"] = _vin(raw.get("vin", ""), row)
    for column in ("make", "model"):
        values[column] = raw.get(column, "")
        if not values[column]:
            row.errors.append(f"{column} is missing")
    values["year"] = _whole_number(raw.get("year", ""), "year", row, required=True)
    if values["year"] is not None and not 1900 <= values["year"] <= today.year + 2:
        row.errors.append(f"year {values['year']} is not a model year")
    values["purchase_date"] = _date(raw.get("purchase_date", ""), "purchase_date", row)
    values["purchase_odometer"] = _whole_number(raw.get("odometer", ""), "odometer", row)
    values["warranty_end_date"] = _date(raw.get("warranty_end_date", ""), "warranty_end_date", row)
    values["warranty_miles"] = _whole_number(raw.get("warranty_miles", ""), "warranty_miles", row)
    if values["purchase_date"] and values["purchase_date"] > today.isoformat():
        row.errors.append("purchase_date is in the future")
    return row


def _email(raw: str, row: ParsedRow) -> str | None:
    if not raw:
        row.errors.append("email is missing")
        return None
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        row.errors.append(f"email “{raw[:MAX_FIELD_LENGTH]}” is not a valid address")
        return None
    return normalise_email(raw)


def _phone(raw: str, region: str, row: ParsedRow) -> str | None:
    try:
        return normalise_phone(raw, region)
    except ServiceError:
        row.warnings.append(f"phone “{raw[:40]}” not recognised; left blank")
        return None


def _vin(raw: str, row: ParsedRow) -> str | None:
    if not raw.strip():
        row.errors.append("VIN is missing")
        return None
    try:
        return checked_vin(raw)  # the garage's rule, so an imported car passes there too
    except ServiceError as error:
        row.errors.append(f"VIN “{raw.strip()[:40]}”: {error.message}")
        return None


def _whole_number(raw: str, column: str, row: ParsedRow, required: bool = False) -> int | None:
    cleaned = raw.replace(",", "").replace(" ", "")
    if not cleaned:
        if required:
            row.errors.append(f"{column} is missing")
        return None
    if not cleaned.isdigit() or len(cleaned) > 9:
        row.errors.append(f"{column} “{raw[:40]}” is not a whole number")
        return None
    return int(cleaned)


def _date(raw: str, column: str, row: ParsedRow) -> str | None:
    if not raw:
        return None
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(raw, pattern).date().isoformat()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    row.errors.append(f"{column} “{raw[:40]}” is not a date (use YYYY-MM-DD)")
    return None


def chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stored_value(value: Any) -> Any:
    """A model value in the plan's JSON form (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date | datetime) else value
