"""Planning an import: what each line of an uploaded file would do, kept as the preview.

The file is read, planned and written a chunk of lines at a time: each chunk is checked
against the database and against the lines planned before it (kept in `import_rows` and
looked up there by email and VIN), then inserted. Nothing of the file outlives its chunk,
so memory stays the same for 1,000 lines or 50,000. The preview writes only an
`ImportBatch` and its rows; `applying` applies exactly them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch, ImportRow
from portal.imports.queries import (
    active_vehicles_by_vin,
    first_lines_of_owners,
    first_lines_of_vins,
    services_on_file,
    users_by_email,
)
from portal.imports.reading import read_rows, text_stream
from portal.imports.rules import (
    CHANGE_COUNTS,
    IN_CHUNK,
    OUTCOMES,
    OWNER_DETAILS,
    VEHICLE_FIELDS,
    ParsedRow,
    batches,
    fingerprint,
    stored_value,
)

#: Lines planned, and inserted, at a time.
PLAN_CHUNK = IN_CHUNK
#: The clean values of a line, as `ImportRow.values` keeps them (email and VIN are columns).
VALUE_KEYS = (
    "customer_id",
    "name",
    "phone",
    "make",
    "model",
    *VEHICLE_FIELDS[2:],
    "last_service_date",
    "last_service_miles",
    "birthday",
)
#: What apply needs besides the values, as `ImportRow.changes` keeps it.
CHANGE_KEYS = ("owner_id", "owner_changes", "vehicle_id", "vehicle_changes", "service_action")


@dataclass
class _Tally:
    """The preview's counts, kept as lines are planned (and revised by later lines)."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*OUTCOMES, *CHANGE_COUNTS), 0)
    )

    def add(self, entry: dict[str, Any], sign: int = 1) -> None:
        """Count a planned line in (sign 1) or, before it is revised, out (sign -1)."""
        counts = self.counts
        counts[entry["outcome"]] += sign
        if entry["outcome"] == "rejected":
            return
        owner, vehicle = entry["owner_action"], entry["vehicle_action"]
        counts["owners_created"] += sign * (owner == "create")
        counts["owners_updated"] += sign * (owner == "update")
        counts["vehicles_created"] += sign * (vehicle == "create")
        counts["vehicles_updated"] += sign * (vehicle == "update")
        counts["services_recorded"] += sign * (entry["service_action"] == "create")
        gives_birthday = "birthday" in entry["owner_changes"] or (
            owner == "create" and entry["birthday"] is not None
        )
        counts["birthdays_added"] += sign * gives_birthday


@dataclass
class _Chunk:
    """What planning one chunk knows: the owners, cars and visits on file for its lines, and
    the lines planned before (from earlier chunks, then this one's as it goes)."""

    users: dict[str, User]
    vehicles: dict[str, Vehicle]
    services: set[tuple[int, str]]
    #: The first line of each VIN: its number and the fingerprint of its values.
    vin_lines: dict[str, tuple[int, str]]
    #: Each owner's first planned line, which carries their phone and birthday.
    owner_lines: dict[str, dict[str, Any]]
    #: Lines of earlier chunks this chunk revised (a phone or birthday given later).
    revised: dict[int, dict[str, Any]] = field(default_factory=dict)


def plan_lines(session: Session, batch_id: int, rows: Iterable[ParsedRow]) -> dict[str, int]:
    """Plan the lines as they are read, writing each chunk's `ImportRow`s; returns the
    preview's counts."""
    tally = _Tally()
    for rows_of_chunk in batches(rows, PLAN_CHUNK):
        chunk = _look_up(session, batch_id, rows_of_chunk)
        planned = [_plan_line(row, chunk, tally) for row in rows_of_chunk]
        for entry in planned:
            tally.add(entry)
        session.execute(insert(ImportRow), [_stored(batch_id, entry) for entry in planned])
        if chunk.revised:
            for entry in chunk.revised.values():
                tally.add(entry)
            session.execute(
                update(ImportRow), [_stored(batch_id, entry) for entry in chunk.revised.values()]
            )
    return tally.counts


def _look_up(session: Session, batch_id: int, rows: list[ParsedRow]) -> _Chunk:
    """Everything one chunk's lines are planned against, in a few bounded queries."""
    emails = {row.values["email"] for row in rows if row.values.get("email")}
    vins = {row.values["vin"] for row in rows if row.values.get("vin")}
    vehicles = active_vehicles_by_vin(session, vins)
    with_visits = [vehicles[vin].id for vin in vins if vin in vehicles]
    has_visits = any(row.values.get("last_service_date") for row in rows)
    return _Chunk(
        users=users_by_email(session, emails),
        vehicles=vehicles,
        services=services_on_file(session, with_visits) if has_visits else set(),
        vin_lines=first_lines_of_vins(session, batch_id, vins),
        owner_lines=first_lines_of_owners(session, batch_id, emails),
    )


def _plan_line(row: ParsedRow, chunk: _Chunk, tally: _Tally) -> dict[str, Any]:
    """One line's entry: its owner and vehicle actions, or the reasons to reject it."""
    entry = {
        "row": row.number,
        "errors": row.errors,
        "warnings": row.warnings,
        **row.values,
        "owner_action": None,
        "vehicle_action": None,
        "service_action": None,
        "vin_fingerprint": None,
        "first_of_owner": False,
    }
    _check_vin_repeat(entry, row, chunk)
    if not entry["errors"]:
        email = entry["email"]
        first = chunk.owner_lines.get(email)
        details = {name: entry[name] for name in OWNER_DETAILS}
        if first is not None:
            _follow_first_line(entry, first)
        user = chunk.users.get(email)
        _plan_row(entry, user, chunk.vehicles.get(entry["vin"]), chunk.services, first is None)
        if not entry["errors"] and first is None:
            entry["first_of_owner"] = True
            chunk.owner_lines[email] = entry
        elif not entry["errors"]:
            _pass_details_to(first, details, user, chunk, tally)
    entry["outcome"] = _outcome(entry)
    return entry


def _check_vin_repeat(entry: dict[str, Any], row: ParsedRow, chunk: _Chunk) -> None:
    """Reject a VIN seen on an earlier line: a duplicate, or two cars sharing one VIN."""
    vin = row.values.get("vin")
    if not vin:
        return
    print_ = fingerprint(row.values)
    earlier = chunk.vin_lines.get(vin)
    if earlier is None:
        chunk.vin_lines[vin] = (row.number, print_)
        entry["vin_fingerprint"] = print_
    elif print_ == earlier[1]:
        entry["errors"].append(f"duplicate of row {earlier[0]}")
    else:
        entry["errors"].append(f"VIN {vin} is also on row {earlier[0]}; fix the export")


def _follow_first_line(entry: dict[str, Any], first: dict[str, Any]) -> None:
    """A later line of an owner uses their first line's name; their phone and birthday are
    the first line's (given to it when it had none)."""
    if first["name"] != entry["name"]:
        entry["warnings"].append(f"name differs from row {first['row']}; “{first['name']}” is used")
        entry["name"] = first["name"]
    if entry["birthday"] and first["birthday"] and entry["birthday"] != first["birthday"]:
        entry["warnings"].append(
            f"birthday differs from row {first['row']}; {first['birthday']} is used"
        )
    for name in OWNER_DETAILS:
        entry[name] = None


def _pass_details_to(
    first: dict[str, Any], details: dict[str, Any], user: User | None, chunk: _Chunk, tally: _Tally
) -> None:
    """An owner's first line, planned before a later line gave a phone or birthday, takes it."""
    for name, value in details.items():
        if value is None or first[name] is not None:
            continue
        if first.get("earlier") and first["row"] not in chunk.revised:
            tally.add(first, -1)  # counted in again, revised, when it is written back
            chunk.revised[first["row"]] = first
        first[name] = value
        if first["owner_action"] != "create" and user is not None and not getattr(user, name):
            # Owners keep their own details; the import only fills in what is missing.
            first["owner_action"] = "update"
            first["owner_changes"][name] = [None, value]
        first["outcome"] = _outcome(first)


def _plan_row(
    entry: dict[str, Any],
    user: User | None,
    vehicle: Vehicle | None,
    services: set[tuple[int, str]],
    first_of_owner: bool,
) -> None:
    """Fill in the owner, vehicle and service actions of one valid line, or reasons to
    reject it."""
    errors = entry["errors"]
    if user is not None and user.role != Role.OWNER:
        errors.append(f"{entry['email']} belongs to a staff account")
        return
    if user is not None and user.deactivated_at is not None:
        errors.append(f"the account for {entry['email']} is deactivated; reactivate it first")
        return
    if vehicle is not None and (user is None or vehicle.owner_id != user.id):
        errors.append(f"VIN {entry['vin']} is registered to another owner (#{vehicle.owner_id})")
        return
    entry["owner_id"] = user.id if user else None
    entry["owner_changes"] = {}
    if user is None:
        entry["owner_action"] = "create" if first_of_owner else "same_as_earlier_row"
    else:
        # Owners keep their own details; the import only fills in what is missing.
        entry["owner_changes"] = {
            name: [None, entry[name]]
            for name in OWNER_DETAILS
            if entry[name] and not getattr(user, name)
        }
        entry["owner_action"] = "update" if entry["owner_changes"] else "unchanged"
    entry["vehicle_id"] = vehicle.id if vehicle else None
    entry["vehicle_changes"] = {}
    if visit := entry["last_service_date"]:
        on_file = vehicle is not None and (vehicle.id, visit) in services
        entry["service_action"] = "on_file" if on_file else "create"
    if vehicle is None:
        entry["vehicle_action"] = "create"
        return
    for name in VEHICLE_FIELDS:
        new, old = entry[name], stored_value(getattr(vehicle, name))
        if new not in (None, "") and new != old:
            entry["vehicle_changes"][name] = [old, new]
    entry["vehicle_action"] = "update" if entry["vehicle_changes"] else "unchanged"


def _outcome(entry: dict[str, Any]) -> str:
    if entry["errors"]:
        return "rejected"
    actions = (entry["owner_action"], entry["vehicle_action"])
    if "create" in actions:
        return "create"
    if "update" in actions or entry["service_action"] == "create":
        return "update"
    return "unchanged"


def _stored(batch_id: int, entry: dict[str, Any]) -> dict[str, Any]:
    """A planned line as the columns of its `ImportRow`."""
    return {
        "batch_id": batch_id,
        "line": entry["row"],
        "outcome": entry["outcome"],
        "email": entry["email"],
        "vin": entry["vin"],
        "owner_action": entry["owner_action"],
        "vehicle_action": entry["vehicle_action"],
        "vin_fingerprint": entry["vin_fingerprint"],
        "first_of_owner": entry["first_of_owner"],
        "values": {name: entry[name] for name in VALUE_KEYS},
        "changes": {name: entry[name] for name in CHANGE_KEYS if name in entry},
        "problems": {"errors": entry["errors"], "warnings": entry["warnings"]},
    }


def preview_import(
    session: Session,
    *,
    upload: BinaryIO,
    filename: str,
    actor: User | None,
    phone_region: str,
    today: date,
) -> ImportBatch:
    """Parse and plan an uploaded file as it is read, and keep the plan; nothing else is
    written."""
    text, hashing = text_stream(upload)
    rows, notes = read_rows(text, phone_region, today)
    batch = ImportBatch(
        filename=(filename or "upload.csv")[:255],
        sha256="",
        uploaded_by_id=actor.id if actor else None,
        summary={},
    )
    session.add(batch)
    session.flush()
    counts = plan_lines(session, batch.id, rows)
    row_count = sum(counts[outcome] for outcome in OUTCOMES)
    if not row_count:
        raise ServiceError("The file has a header but no rows to import.")
    batch.sha256 = hashing.sha256.hexdigest()
    batch.row_count = row_count
    batch.summary = counts | {"notes": notes}
    session.flush()
    return batch
