"""Planning an import: what each row of an uploaded file would do, kept as the preview.

The preview writes only an `ImportBatch` holding the plan; `applying` applies exactly it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch
from portal.imports.queries import active_vehicles_by_vin, users_by_email
from portal.imports.rules import (
    OUTCOMES,
    VEHICLE_FIELDS,
    ParsedRow,
    batches,
    read_rows,
    stored_value,
    text_stream,
)


@dataclass
class _Planning:
    """What planning remembers across chunks: a few small facts per VIN and per owner."""

    #: The first row of each VIN: its number and a fingerprint of its values.
    first_row_of_vin: dict[str, tuple[int, int]] = field(default_factory=dict)
    name_of_email: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: An owner's phone is the first one any of their rows gives, set by their first row.
    phones: dict[str, str] = field(default_factory=dict)
    #: Each owner's first planned row, which a phone from a later row is written into.
    first_entry: dict[str, dict] = field(default_factory=dict)
    #: Owners on file without a phone, whose first row would add one.
    lacks_phone: set[str] = field(default_factory=set)


def build_plan(session: Session, rows: Iterable[ParsedRow]) -> list[dict]:
    """What applying the rows would do, row by row, against the database as it is now.

    The rows are read and planned a chunk at a time, so each lookup is bounded.
    """
    planning = _Planning()
    plan: list[dict] = []
    for chunk in batches(rows):
        plan.extend(_plan_chunk(session, chunk, planning))
    return plan


def _plan_chunk(session: Session, rows: Sequence[ParsedRow], planning: _Planning) -> list[dict]:
    """Plan one chunk of rows, given what earlier chunks left in `planning`."""
    for row in rows:
        _check_repeats(row, planning)
    valid = [row for row in rows if not row.errors]
    users = users_by_email(session, (row.values["email"] for row in valid))
    vehicles = active_vehicles_by_vin(session, (row.values["vin"] for row in valid))
    for row in valid:
        email, phone = row.values["email"], row.values["phone"]
        if phone and email not in planning.phones:
            planning.phones[email] = phone
            if email in planning.first_entry:
                _add_late_phone(planning.first_entry[email], phone, planning)
    plan = []
    for row in rows:
        entry = {"row": row.number, "errors": row.errors, "warnings": row.warnings, **row.values}
        if not row.errors:
            email = entry["email"]
            first_of_owner = email not in planning.first_entry
            entry["phone"] = planning.phones.get(email) if first_of_owner else None
            user = users.get(email)
            _plan_row(entry, user, vehicles.get(entry["vin"]), first_of_owner)
            if not entry["errors"]:
                planning.first_entry.setdefault(email, entry)
                if first_of_owner and user is not None and not user.phone:
                    planning.lacks_phone.add(email)
        entry["outcome"] = _outcome(entry)
        plan.append(entry)
    return plan


def _check_repeats(row: ParsedRow, planning: _Planning) -> None:
    """Reject a VIN seen on an earlier row; use an owner's first name on all their rows."""
    vin, email = row.values.get("vin"), row.values.get("email")
    if vin:
        fingerprint = hash(tuple(row.values.items()))
        earlier, earlier_fingerprint = planning.first_row_of_vin.setdefault(
            vin, (row.number, fingerprint)
        )
        if earlier != row.number:
            row.errors.append(
                f"duplicate of row {earlier}"
                if fingerprint == earlier_fingerprint
                else f"VIN {vin} is also on row {earlier}; fix the export"
            )
    if email and not row.errors:
        first = planning.name_of_email.setdefault(email, (row.number, row.values["name"]))
        if first[1] != row.values["name"]:
            row.warnings.append(f"name differs from row {first[0]}; “{first[1]}” is used")
            row.values["name"] = first[1]


def _add_late_phone(entry: dict, phone: str, planning: _Planning) -> None:
    """An owner's first row, planned before a later row gave their phone, takes it now."""
    entry["phone"] = phone
    if entry["owner_action"] == "unchanged" and entry["email"] in planning.lacks_phone:
        entry["owner_action"] = "update"
        entry["owner_changes"] = {"phone": [None, phone]}
        entry["outcome"] = _outcome(entry)


def _plan_row(
    entry: dict, user: User | None, vehicle: Vehicle | None, first_of_owner: bool
) -> None:
    """Fill in the owner and vehicle actions of one valid row, or reasons to reject it."""
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
    elif entry["phone"] and not user.phone:
        # Owners keep their own details; the import only fills in what is missing.
        entry["owner_action"] = "update"
        entry["owner_changes"] = {"phone": [None, entry["phone"]]}
    else:
        entry["owner_action"] = "unchanged"
    entry["vehicle_id"] = vehicle.id if vehicle else None
    entry["vehicle_changes"] = {}
    if vehicle is None:
        entry["vehicle_action"] = "create"
        return
    for name in VEHICLE_FIELDS:
        new, old = entry[name], stored_value(getattr(vehicle, name))
        if new not in (None, "") and new != old:
            entry["vehicle_changes"][name] = [old, new]
    entry["vehicle_action"] = "update" if entry["vehicle_changes"] else "unchanged"


def _outcome(entry: dict) -> str:
    if entry["errors"]:
        return "rejected"
    actions = (entry["owner_action"], entry["vehicle_action"])
    if "create" in actions:
        return "create"
    if "update" in actions:
        return "update"
    return "unchanged"


def summarise(plan: list[dict]) -> dict[str, int]:
    """Counts shown on the preview: rows by outcome, owners and vehicles to create/update."""
    summary = {outcome: 0 for outcome in OUTCOMES}
    summary.update(owners_created=0, owners_updated=0, vehicles_created=0, vehicles_updated=0)
    for entry in plan:
        summary[entry["outcome"]] += 1
        if entry["outcome"] == "rejected":
            continue
        summary["owners_created"] += entry["owner_action"] == "create"
        summary["owners_updated"] += entry["owner_action"] == "update"
        summary["vehicles_created"] += entry["vehicle_action"] == "create"
        summary["vehicles_updated"] += entry["vehicle_action"] == "update"
    return summary


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
    plan = build_plan(session, rows)
    if not plan:
        raise ServiceError("The file has a header but no rows to import.")
    summary = summarise(plan) | {"notes": notes}
    batch = ImportBatch(
        filename=(filename or "upload.csv")[:255],
        sha256=hashing.sha256.hexdigest(),
        uploaded_by_id=actor.id if actor else None,
        row_count=len(plan),
        plan=plan,
        summary=summary,
    )
    session.add(batch)
    session.flush()
    return batch
