"""Import owners and vehicles: plan from a parsed file, store the plan, apply exactly it.

The preview writes only an `ImportBatch` holding the plan; apply re-checks each planned row
against the database (it may have changed since) and applies it in a savepoint of its own,
so a row is applied whole or not at all. Unchanged rows are never touched, which makes
importing the same file twice a no-op.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services.members import hash_password, normalise_email
from portal.audit import record_audit
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.rules import VEHICLE_FIELDS, ParsedRow, read_rows
from portal.security import new_url_token

#: Rows per IN (...) query: well under SQLite's bound-parameter limit.
IN_CHUNK = 500
#: The password of an imported account is 256 random bits nobody knows until the claim link
#: replaces it with a properly stretched hash. Stretching a random 256-bit secret adds
#: nothing (it cannot be guessed either way), and at scrypt N=2^17 it would cost ~0.2 s per
#: owner: half an hour for 10,000.
PLACEHOLDER_HASH_METHOD = "pbkdf2:sha256:1"
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
    # An owner's phone is the first one any of their rows gives, set once, by their first row.
    phones: dict[str, str] = {}
    for row in valid:
        if row.values["phone"]:
            phones.setdefault(row.values["email"], row.values["phone"])
    seen_emails: set[str] = set()
    plan = []
    for row in rows:
        entry = {"row": row.number, "errors": row.errors, "warnings": row.warnings, **row.values}
        if not row.errors:
            first_of_owner = entry["email"] not in seen_emails
            entry["phone"] = phones.get(entry["email"]) if first_of_owner else None
            _plan_row(entry, users.get(entry["email"]), vehicles.get(entry["vin"]), first_of_owner)
            if not entry["errors"]:
                seen_emails.add(entry["email"])
        entry["outcome"] = _outcome(entry)
        plan.append(entry)
    return plan


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


@dataclass
class _Progress:
    """What applying has found and done so far; copied so a failed chunk can be undone."""

    users: dict[str, User]
    vehicles: dict[str, Vehicle]
    created_owners: dict[str, User] = field(default_factory=dict)
    cars_of_new_owner: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLY_COUNTS, 0))
    skipped: list[dict] = field(default_factory=list)

    def copy(self) -> "_Progress":
        return _Progress(
            dict(self.users),
            dict(self.vehicles),
            dict(self.created_owners),
            {email: list(cars) for email, cars in self.cars_of_new_owner.items()},
            dict(self.counts),
            list(self.skipped),
        )


APPLY_COUNTS = (
    "applied_rows",
    "owners_created",
    "owners_updated",
    "vehicles_created",
    "vehicles_updated",
)
#: Rows applied per savepoint. A chunk the database refuses is undone and replayed one row
#: per savepoint, so each row still lands whole or not at all.
APPLY_CHUNK = 250


def apply_import(
    session: Session,
    batch: ImportBatch,
    *,
    actor: User | None,
    now: datetime,
    ip: str | None = None,
) -> dict[str, Any]:
    """Apply the stored plan; returns counts, skipped rows and the new owners to invite.

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
    progress = _Progress(
        users=_users_by_email(session, (entry["email"] for entry in todo)),
        vehicles=_active_vehicles_by_vin(session, (entry["vin"] for entry in todo)),
    )
    for chunk in _chunks(todo, APPLY_CHUNK):
        before = progress.copy()
        try:
            with session.begin_nested(), session.no_autoflush:
                for entry in chunk:
                    _apply_entry(session, entry, progress)
        except IntegrityError:
            progress = before
            for entry in chunk:
                row_before = progress.copy()
                try:
                    with session.begin_nested(), session.no_autoflush:
                        _apply_entry(session, entry, progress)
                except IntegrityError:
                    progress = row_before
                    progress.skipped.append(
                        {"row": entry["row"], "reason": "the database refused it; upload again"}
                    )

    result: dict[str, Any] = dict(progress.counts) | {"skipped": progress.skipped}
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
        after=dict(progress.counts) | {"skipped_rows": [item["row"] for item in progress.skipped]},
        summary=(
            f"Imported {batch.filename}: {result['owners_created']} owners and "
            f"{result['vehicles_created']} vehicles created, {result['owners_updated']} owners "
            f"and {result['vehicles_updated']} vehicles updated, "
            f"{batch.summary['rejected']} rows rejected, {len(progress.skipped)} skipped"
        ),
        ip=ip,
    )
    session.flush()
    return result | {
        "invitations": [
            (progress.created_owners[email].id, cars)
            for email, cars in progress.cars_of_new_owner.items()
        ]
    }


def _apply_entry(session: Session, entry: dict, progress: _Progress) -> None:
    """Apply one row, or record why it was skipped; nothing is written for a skipped row."""
    try:
        user, vehicle = _check_row(entry, progress)
        user, new_user = _write_owner(session, entry, user)
    except RowSkipped as problem:
        progress.skipped.append({"row": entry["row"], "reason": str(problem)})
        return
    vehicle = _write_vehicle(session, entry, user, vehicle)
    counts = progress.counts
    counts["applied_rows"] += 1
    if new_user:
        progress.created_owners[user.email] = user
        progress.users[user.email] = user
        counts["owners_created"] += 1
    counts["owners_updated"] += entry["owner_action"] == "update"
    counts["vehicles_created"] += entry["vehicle_action"] == "create"
    counts["vehicles_updated"] += entry["vehicle_action"] == "update"
    progress.vehicles[vehicle.vin] = vehicle
    if user.email in progress.created_owners:
        progress.cars_of_new_owner.setdefault(user.email, []).append(vehicle.label)


def _check_row(entry: dict, progress: _Progress) -> tuple[User | None, Vehicle | None]:
    """The row's owner and car as they are now; RowSkipped if the preview no longer holds."""
    email = entry["email"]
    user = progress.users.get(email)
    if entry["owner_action"] in ("create", "same_as_earlier_row"):
        if user is not None and email not in progress.created_owners:
            raise RowSkipped(f"an account for {email} was created since the preview")
    elif user is None or user.id != entry["owner_id"]:
        raise RowSkipped(f"the account for {email} changed since the preview")
    elif user.role != Role.OWNER or user.deactivated_at is not None:
        raise RowSkipped(f"the account for {email} is no longer an active owner")

    vehicle = progress.vehicles.get(entry["vin"])
    if entry["vehicle_action"] == "create":
        if vehicle is not None:
            raise RowSkipped(f"VIN {entry['vin']} was registered since the preview")
    elif vehicle is None or vehicle.id != entry["vehicle_id"] or vehicle.owner_id != user.id:
        raise RowSkipped(f"VIN {entry['vin']} changed hands since the preview")
    elif entry["vehicle_action"] == "update":
        changes = entry["vehicle_changes"]
        if any(_stored(getattr(vehicle, name)) != old for name, (old, _new) in changes.items()):
            raise RowSkipped(f"the vehicle {entry['vin']} was edited since the preview")
    return user, vehicle


def _write_owner(session: Session, entry: dict, user: User | None) -> tuple[User, bool]:
    """Create the owner (the row's first write) or fill in their missing phone."""
    if user is None:
        user = _invited_owner(entry)
        session.add(user)
        return user, True
    if entry["owner_action"] == "update" and not user.phone:
        user.phone = entry["owner_changes"]["phone"][1]
    return user, False


def _invited_owner(entry: dict) -> User:
    """An account to claim, on the rules of `accounts.services.create_invited_owner`.

    Built here rather than through that function because it looks the email up and flushes
    once per owner (about 5 ms each: 40 s for a 10,000-row file); the plan has already
    checked the email against the database, and the unique index refuses a race, which
    replays the chunk row by row. The session flushes a chunk's owners in one batch.
    """
    return User(
        name=entry["name"].strip(),
        email=normalise_email(entry["email"]),
        password_hash=hash_password(new_url_token(), PLACEHOLDER_HASH_METHOD),
        role=Role.OWNER,
        phone=entry["phone"],
    )


def _write_vehicle(session: Session, entry: dict, user: User, vehicle: Vehicle | None) -> Vehicle:
    """Add the car to the owner's garage, or bring its DMS details up to date."""
    if entry["vehicle_action"] == "create":
        vehicle = Vehicle(owner=user, vin=entry["vin"], **_vehicle_values(entry, VEHICLE_FIELDS))
        session.add(vehicle)
    elif entry["vehicle_action"] == "update":
        for name, value in _vehicle_values(entry, entry["vehicle_changes"]).items():
            setattr(vehicle, name, value)
    return vehicle


def _vehicle_values(entry: dict, names: Iterable[str]) -> dict[str, Any]:
    """Model values for the named vehicle fields of a plan entry (ISO strings as dates)."""
    values = {}
    for name in names:
        value = entry[name]
        if name.endswith("_date") and value is not None:
            value = date.fromisoformat(value)
        values[name] = value
    return values
