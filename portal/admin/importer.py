"""Import owners and vehicles: plan from a parsed file, store the plan, apply exactly it.

The preview writes only an `ImportBatch` holding the plan; apply re-checks each planned row
against the database (it may have changed since) and applies it in a savepoint of its own,
so a row is applied whole or not at all. Unchanged rows are never touched, which makes
importing the same file twice a no-op.
"""

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services import create_invited_owner
from portal.admin.import_rows import VEHICLE_FIELDS, ParsedRow, read_rows
from portal.admin.models import ImportBatch, ImportStatus
from portal.audit import record_audit
from portal.errors import ServiceError
from portal.garage.models import Vehicle

#: Rows per IN (...) query: well under SQLite's bound-parameter limit.
IN_CHUNK = 500
#: The password of an imported account is 256 random bits nobody knows until the claim link
#: replaces it with a properly stretched hash; stretching a random secret protects nothing,
#: and at scrypt N=2^17 it would cost ~0.2 s per owner (half an hour for 10,000).
PLACEHOLDER_HASH_METHOD = "pbkdf2:sha256:1000"
#: A preview older than this must be uploaded again: the database has probably moved on.
PREVIEW_MAX_AGE_HOURS = 24

OUTCOMES = ("create", "update", "unchanged", "rejected")


def _chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_by_email(session: Session, emails: Iterable[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(set(emails))):
        found.update(
            (u.email, u) for u in session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def _active_vehicles_by_vin(session: Session, vins: Iterable[str]) -> dict[str, Vehicle]:
    found: dict[str, Vehicle] = {}
    for chunk in _chunks(sorted(set(vins))):
        statement = select(Vehicle).where(Vehicle.vin.in_(chunk), Vehicle.retired_at.is_(None))
        found.update((v.vin, v) for v in session.scalars(statement))
    return found


def _stored(value: Any) -> Any:
    """A model value in the plan's JSON form (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def build_plan(session: Session, rows: list[ParsedRow]) -> list[dict]:
    """What applying the rows would do, row by row, against the database as it is now."""
    first_row_of_vin: dict[str, ParsedRow] = {}
    name_of_email: dict[str, tuple[int, str]] = {}
    for row in rows:
        vin, email = row.values.get("vin"), row.values.get("email")
        if vin:
            earlier = first_row_of_vin.setdefault(vin, row)
            if earlier is not row:
                same = earlier.values == row.values
                row.errors.append(
                    f"duplicate of row {earlier.number}"
                    if same
                    else f"VIN {vin} is also on row {earlier.number}; fix the export"
                )
        if email and not row.errors:
            first = name_of_email.setdefault(email, (row.number, row.values["name"]))
            if first[1] != row.values["name"]:
                row.warnings.append(f"name differs from row {first[0]}; “{first[1]}” is used")
                row.values["name"] = first[1]

    valid = [row for row in rows if not row.errors]
    users = _users_by_email(session, (row.values["email"] for row in valid))
    vehicles = _active_vehicles_by_vin(session, (row.values["vin"] for row in valid))
    created_in_file: set[str] = set()
    plan = []
    for row in rows:
        entry = {"row": row.number, "errors": row.errors, "warnings": row.warnings, **row.values}
        if not row.errors:
            _plan_row(entry, users.get(entry["email"]), vehicles.get(entry["vin"]), created_in_file)
        entry["outcome"] = _outcome(entry)
        plan.append(entry)
    return plan


def _plan_row(entry: dict, user: User | None, vehicle: Vehicle | None, created: set[str]) -> None:
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
        entry["owner_action"] = "same_as_earlier_row" if entry["email"] in created else "create"
        created.add(entry["email"])
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
        new, old = entry[name], _stored(getattr(vehicle, name))
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
    data: bytes,
    filename: str,
    actor: User | None,
    phone_region: str,
    today: date,
) -> ImportBatch:
    """Parse and plan an uploaded file and keep the plan; nothing else is written."""
    rows, notes = read_rows(data, phone_region, today)
    if not rows:
        raise ServiceError("The file has a header but no rows to import.")
    plan = build_plan(session, rows)
    summary = summarise(plan) | {"notes": notes}
    batch = ImportBatch(
        filename=(filename or "upload.csv")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id if actor else None,
        row_count=len(plan),
        plan=plan,
        summary=summary,
    )
    session.add(batch)
    session.flush()
    return batch


def previous_imports_of(session: Session, batch: ImportBatch) -> list[ImportBatch]:
    """Earlier applied imports of the very same file."""
    return list(
        session.scalars(
            select(ImportBatch)
            .where(
                ImportBatch.sha256 == batch.sha256,
                ImportBatch.id != batch.id,
                ImportBatch.status == ImportStatus.APPLIED,
            )
            .order_by(ImportBatch.id.desc())
        )
    )


class RowSkipped(Exception):
    """The database changed since the preview in a way that makes this row unsafe to apply."""


def apply_import(
    session: Session,
    batch: ImportBatch,
    *,
    actor: User | None,
    now: datetime,
    ip: str | None = None,
) -> dict[str, Any]:
    """Apply the stored plan; returns counts and the new owners to invite.

    Only one request can apply a batch: the status moves previewed -> applying in one
    conditional UPDATE whose row count says who won.
    """
    if (now - batch.created_at).total_seconds() > PREVIEW_MAX_AGE_HOURS * 3600:
        raise ServiceError("This preview is more than a day old. Upload the file again.")
    claimed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PREVIEWED)
        .values(status=ImportStatus.APPLYING)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ServiceError("This file has already been imported.")

    todo = [entry for entry in batch.plan if entry["outcome"] in ("create", "update")]
    users = _users_by_email(session, (entry["email"] for entry in todo))
    vehicles = _active_vehicles_by_vin(session, (entry["vin"] for entry in todo))
    created_owners: dict[str, User] = {}
    cars_of_new_owner: dict[str, list[str]] = {}
    result = {"owners_created": 0, "owners_updated": 0, "vehicles_created": 0}
    result |= {"vehicles_updated": 0, "skipped": [], "applied_rows": 0}
    for entry in todo:
        try:
            with session.begin_nested():
                user, new_user, vehicle = _apply_row(
                    session, entry, users, created_owners, vehicles
                )
        except (RowSkipped, IntegrityError, ServiceError) as problem:
            reason = problem.message if isinstance(problem, ServiceError) else str(problem)
            if isinstance(problem, IntegrityError):
                reason = "the database refused it (changed since the preview); upload again"
            result["skipped"].append({"row": entry["row"], "reason": reason})
            continue
        result["applied_rows"] += 1
        if new_user:
            created_owners[user.email] = user
            users[user.email] = user
            result["owners_created"] += 1
        result["owners_updated"] += entry["owner_action"] == "update"
        if entry["vehicle_action"] == "create":
            vehicles[vehicle.vin] = vehicle
            result["vehicles_created"] += 1
        result["vehicles_updated"] += entry["vehicle_action"] == "update"
        if user.email in created_owners:
            cars_of_new_owner.setdefault(user.email, []).append(vehicle.label)

    batch.status = ImportStatus.APPLIED
    batch.applied_at = now
    batch.applied_by_id = actor.id if actor else None
    batch.result = result
    record_audit(
        session,
        actor=actor,
        action="import.apply",
        entity_type="import_batch",
        entity_id=batch.id,
        before=None,
        after={key: value for key, value in result.items() if key != "skipped"}
        | {"skipped_rows": [item["row"] for item in result["skipped"]]},
        summary=(
            f"Imported {batch.filename}: {result['owners_created']} owners and "
            f"{result['vehicles_created']} vehicles created, {result['owners_updated']} owners "
            f"and {result['vehicles_updated']} vehicles updated, "
            f"{batch.summary['rejected']} rows rejected, {len(result['skipped'])} skipped"
        ),
        ip=ip,
    )
    session.flush()
    result["invitations"] = [
        (created_owners[email].id, cars) for email, cars in cars_of_new_owner.items()
    ]
    return result


def _apply_row(
    session: Session,
    entry: dict,
    users: dict[str, User],
    created_owners: dict[str, User],
    vehicles: dict[str, Vehicle],
) -> tuple[User, bool, Vehicle]:
    """Apply one planned row; raises RowSkipped when its preconditions no longer hold."""
    user = users.get(entry["email"])
    new_user = False
    if entry["owner_action"] in ("create", "same_as_earlier_row"):
        if user is not None and entry["email"] not in created_owners:
            raise RowSkipped(f"an account for {entry['email']} was created since the preview")
        if user is None:
            user = create_invited_owner(
                session,
                name=entry["name"],
                email=entry["email"],
                hash_method=PLACEHOLDER_HASH_METHOD,
            )
            user.phone = entry["phone"]
            new_user = True
    else:
        if user is None or user.id != entry["owner_id"]:
            raise RowSkipped(f"the account for {entry['email']} changed since the preview")
        if user.role != Role.OWNER or user.deactivated_at is not None:
            raise RowSkipped(f"the account for {entry['email']} is no longer an active owner")
        if entry["owner_action"] == "update" and not user.phone:
            user.phone = entry["owner_changes"]["phone"][1]

    vehicle = vehicles.get(entry["vin"])
    if entry["vehicle_action"] == "create":
        if vehicle is not None:
            raise RowSkipped(f"VIN {entry['vin']} was registered since the preview")
        vehicle = Vehicle(owner=user, vin=entry["vin"], **_vehicle_values(entry, VEHICLE_FIELDS))
        session.add(vehicle)
    elif vehicle is None or vehicle.id != entry["vehicle_id"] or vehicle.owner_id != user.id:
        raise RowSkipped(f"VIN {entry['vin']} changed hands since the preview")
    elif entry["vehicle_action"] == "update":
        changes = entry["vehicle_changes"]
        if any(_stored(getattr(vehicle, name)) != old for name, (old, _new) in changes.items()):
            raise RowSkipped(f"the vehicle {entry['vin']} was edited since the preview")
        for name, value in _vehicle_values(entry, changes).items():
            setattr(vehicle, name, value)
    return user, new_user, vehicle


def _vehicle_values(entry: dict, names: Iterable[str]) -> dict[str, Any]:
    """Model values for the named vehicle fields of a plan entry (ISO strings as dates)."""
    values = {}
    for name in names:
        value = entry[name]
        if name.endswith("_date") and value is not None:
            value = date.fromisoformat(value)
        values[name] = value
    return values
