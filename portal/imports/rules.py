"""A dealer-management-system CSV export: its columns, and the checks on each row.

Pure functions: no database. `parse_row` turns one row's cells into clean values or the
reasons it cannot be imported (`reading` streams the file into it); `chunks`, `batches`,
`fingerprint` and `stored_value` serve the planning and applying services.
"""

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from portal.accounts.services.members import normalise_email
from portal.errors import ServiceError
from portal.forms import CONTROL_CHARACTERS, MAX_EMAIL_LENGTH
from portal.garage.rules import MAX_MILES, checked_vin
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
    "last_service_date",
    "last_service_miles",
    "birthday",
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
    "last_service_date": (
        "Optional. The car's latest service visit, YYYY-MM-DD or MM/DD/YYYY; recorded in its "
        "service history (once: importing the file again adds nothing), so its reminders "
        "count from that visit."
    ),
    "last_service_miles": "Optional. Miles at that visit, whole number (needs last_service_date).",
    "birthday": (
        "Optional. The owner's birthday, YYYY-MM-DD or MM/DD/YYYY; fills in a birthday the "
        "owner has not given, never replaces theirs. Birthday notes still need their consent."
    ),
}
SAMPLE_ROWS = (
    ("C-10231", "Priya", "Patel", "priya.patel@example.com", "(202) 555-0143",
     "1HGCM82633A004352", "Honda", "Accord", "2024", "2024-03-18", "12",
     "2027-03-18", "36000", "2025-09-12", "14,870", "1986-07-04"),
    ("C-10231", "Priya", "Patel", "priya.patel@example.com", "(202) 555-0143",
     "2HGFC2F56JH000017", "Honda", "Civic", "2018", "06/02/2021", "30,112", "", "",
     "", "", ""),
    ("C-10488", "Marcus", "Reyes", "marcus.reyes@example.com", "",
     "5FNRL6H56NB000014", "Honda", "Odyssey", "2022", "2022-09-30", "8", "2025-09-30", "36000",
     "03/14/2025", "21,406", ""),
)  # fmt: skip
MAX_ROWS = 50_000
MAX_FIELD_LENGTH = 200
#: Text columns and the model's column widths.
TEXT_LIMITS = {"first_name": 60, "last_name": 60, "make": 60, "model": 60, "customer_id": 40}
#: What a planned row does: adds an owner or a car, updates one, changes nothing, or cannot.
OUTCOMES = ("create", "update", "unchanged", "rejected")
#: What an import changes, counted by the preview (what it will do) and by apply (what it did).
CHANGE_COUNTS = (
    "owners_created",
    "owners_updated",
    "vehicles_created",
    "vehicles_updated",
    "services_recorded",
    "birthdays_added",
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Rows per IN (...) query: well under SQLite's bound-parameter limit.
IN_CHUNK = 500
#: Birthdays outside these ages are typos (a purchase date in the wrong column, a year off).
YOUNGEST_OWNER, OLDEST_OWNER = 16, 120
#: What an owner's first row carries for all their rows: the first value any of them gives.
OWNER_DETAILS = ("phone", "birthday")

VEHICLE_FIELDS = (
    "make",
    "model",
    "year",
    "purchase_date",
    "purchase_odometer",
    "warranty_end_date",
    "warranty_miles",
)

#: The car's last service visit, which apply records in its service history.
HISTORY_FIELDS = ("last_service_date", "last_service_miles")


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


def parse_row(number: int, raw: dict[str, str], phone_region: str, today: date) -> ParsedRow:
    """Validate one row's cells into clean values, collecting every problem at once."""
    row = ParsedRow(number)
    values = row.values
    for name, value in raw.items():
        # PostgreSQL refuses NUL outright; no column of the export holds line breaks either.
        if CONTROL_CHARACTERS.search(value):
            row.errors.append(f"{name} contains an invisible control character (such as NUL)")
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
    values["last_service_date"] = _date(raw.get("last_service_date", ""), "last_service_date", row)
    values["last_service_miles"] = _miles(
        raw.get("last_service_miles", ""), "last_service_miles", row
    )
    _check_last_service(values, row, today)
    values["birthday"] = _date(raw.get("birthday", ""), "birthday", row)
    _check_birthday(values["birthday"], row, today)
    return row


def _check_last_service(values: dict[str, Any], row: ParsedRow, today: date) -> None:
    """The last service is a visit that can have happened to this car, at a plausible mileage."""
    day, miles = values["last_service_date"], values["last_service_miles"]
    if miles is not None and day is None and "last_service_date" not in _columns_with_errors(row):
        row.errors.append("last_service_miles needs the visit's last_service_date")
    if day is None:
        return
    if day > today.isoformat():
        row.errors.append("last_service_date is in the future")
    year = values["year"]
    if year is not None and date.fromisoformat(day).year < year - 1:
        row.errors.append(f"last_service_date {day} is before the car was built ({year})")
    bought_at, bought_on = values["purchase_odometer"], values["purchase_date"]
    if None not in (miles, bought_at, bought_on) and day >= bought_on and miles < bought_at:
        row.errors.append(
            f"last_service_miles {miles:,} is below the {bought_at:,} miles at purchase"
        )


def _check_birthday(birthday: str | None, row: ParsedRow, today: date) -> None:
    """A birthday in the future, or for an owner too young to drive or too old, is a typo."""
    if birthday is None:
        return
    born = date.fromisoformat(birthday)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born > today:
        row.errors.append("birthday is in the future")
    elif age < YOUNGEST_OWNER:
        row.errors.append(f"birthday {birthday} would make the owner {age}")
    elif age > OLDEST_OWNER:
        row.errors.append(f"birthday {birthday} is more than {OLDEST_OWNER} years ago")


def _columns_with_errors(row: ParsedRow) -> set[str]:
    """The columns a reason already names (its first word), so one mistake is said once."""
    return {error.split(" ", 1)[0] for error in row.errors}


def _email(raw: str, row: ParsedRow) -> str | None:
    if not raw:
        row.errors.append("email is missing")
        return None
    # Longer than any address: refused before the check parses it character by character.
    if len(raw) > MAX_EMAIL_LENGTH or not _is_address(raw):
        row.errors.append(f"email “{raw[:MAX_FIELD_LENGTH]}” is not a valid address")
        return None
    return normalise_email(raw)


def _is_address(raw: str) -> bool:
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


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


def _miles(raw: str, column: str, row: ParsedRow) -> int | None:
    """A mileage: a whole number from 0 to the most an odometer reads."""
    if raw.replace(" ", "").startswith("-") and raw.replace(" ", "")[1:2].isdigit():
        row.errors.append(f"{column} “{raw[:40]}” is below zero")
        return None
    miles = _whole_number(raw, column, row)
    if miles is not None and miles > MAX_MILES:
        row.errors.append(f"{column} {miles:,} is more than {MAX_MILES:,} miles")
        return None
    return miles


def _date(raw: str, column: str, row: ParsedRow) -> str | None:
    if not raw:
        return None
    if ISO_DATE.fullmatch(raw):  # the usual shape, read without strptime's cost
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
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


def batches(items: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    """Consecutive lists of at most `size` items, taken from `items` as they come."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def fingerprint(values: dict[str, Any]) -> str:
    """A short digest of a row's values: two rows with one VIN are duplicates when equal."""
    return hashlib.blake2b(repr(sorted(values.items())).encode(), digest_size=8).hexdigest()


def stored_value(value: Any) -> Any:
    """A model value in the plan's JSON form (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date | datetime) else value
