"""Applying an import: exactly the previewed plan, each row whole or not at all.

Apply reads the planned lines from `import_rows` a chunk at a time, in line order,
re-checks each against the database (it may have changed since the preview) and applies
the chunk in a savepoint of its own. What it must remember across chunks (which owners it
created, which lines it skipped and why) goes back into `import_rows`, so memory does not
grow with the file. Unchanged rows are never touched, which makes importing the same file
twice a no-op.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services.members import (
    fill_in_missing_details,
    hash_password,
    normalise_email,
)
from portal.audit import record_audit
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.garage.services import new_service_record
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.imports.queries import (
    active_vehicles_by_vin,
    lines_to_apply,
    owners_created_before,
    services_on_file,
    users_by_email,
)
from portal.imports.rules import CHANGE_COUNTS, VEHICLE_FIELDS, stored_value
from portal.security import new_url_token

#: The password of an imported account is 256 random bits nobody knows until the claim link
#: replaces it with a properly stretched hash. Stretching a random 256-bit secret adds
#: nothing (it cannot be guessed either way), and at scrypt N=2^17 it would cost ~0.2 s per
#: owner: half an hour for 10,000.
PLACEHOLDER_HASH_METHOD = "pbkdf2:sha256:1"
#: A preview older than this must be uploaded again: the database has probably moved on.
PREVIEW_MAX_AGE_HOURS = 24
#: How a visit from the DMS's `last_service_date` reads in the car's service history.
IMPORTED_VISIT = "Service visit, from the dealership's records"
#: The skipped lines the audit entry names (all of them are marked on the preview).
AUDITED_SKIPS = 100


class RowSkipped(Exception):
    """The database changed since the preview in a way that makes this row unsafe to apply."""


APPLY_COUNTS = ("applied_rows", *CHANGE_COUNTS)
#: Rows applied per savepoint, each chunk with its own lookups. A chunk the database refuses
#: is undone and replayed one row per savepoint, so each row still lands whole or not at all.
APPLY_CHUNK = 250


@dataclass
class _Progress:
    """What applying has done so far: counts, and the first few lines it skipped."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLY_COUNTS, 0))
    skipped: int = 0
    first_skipped: list[int] = field(default_factory=list)

    def merge(self, step: "_Step") -> None:
        """Keep what a savepoint did, once the database has accepted it."""
        for name, count in step.counts.items():
            self.counts[name] += count
        self.skip(step.skipped)

    def skip(self, lines: list[tuple[int, str]]) -> None:
        """Count skipped lines, remembering the first few for the audit entry."""
        self.skipped += len(lines)
        room = AUDITED_SKIPS - len(self.first_skipped)
        self.first_skipped.extend(line for line, _reason in lines[:room])


@dataclass
class _Step:
    """One savepoint's work, kept apart so a savepoint the database refuses leaves no trace.

    `users` and `vehicles` are the chunk's owners and cars as found, plus those it writes;
    `created_earlier` the emails whose accounts earlier lines of this import created.
    """

    users: dict[str, User]
    vehicles: dict[str, Vehicle]
    created_earlier: set[str]
    services: set[tuple[int, str]]
    today: date
    created: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLY_COUNTS, 0))
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def is_new_owner(self, email: str) -> bool:
        """Whether this import created the account for `email`."""
        return email in self.created or email in self.created_earlier

    def again(self) -> "_Step":
        """A fresh step on what this one found and wrote."""
        return _Step(
            dict(self.users), dict(self.vehicles), self.created_earlier, self.services, self.today
        )


def apply_import(
    session: Session,
    batch: ImportBatch,
    *,
    actor: User | None,
    now: datetime,
    today: date,
    ip: str | None = None,
) -> dict[str, Any]:
    """Apply the planned lines; returns counts and how many lines were skipped.

    Only one request can apply a batch: the status moves previewed -> applying in one
    conditional UPDATE whose row count says who won.
    """
    if batch.status == ImportStatus.EXPIRED:
        raise ServiceError("This preview has expired. Upload the file again.")
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

    progress = _Progress()
    after = 0
    while chunk := lines_to_apply(session, batch.id, after, APPLY_CHUNK):
        _apply_chunk(session, batch.id, chunk, progress, today)
        after = chunk[-1]["row"]

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
        after=result | {"skipped_rows": progress.first_skipped},
        summary=(
            f"Imported {batch.filename}: {result['owners_created']} owners and "
            f"{result['vehicles_created']} vehicles created, {result['owners_updated']} owners "
            f"and {result['vehicles_updated']} vehicles updated, "
            f"{result['services_recorded']} service visits recorded, "
            f"{batch.summary['rejected']} rows rejected, {progress.skipped} skipped"
        ),
        ip=ip,
    )
    session.flush()
    return result


def _apply_chunk(
    session: Session, batch_id: int, chunk: list[dict], progress: _Progress, today: date
) -> None:
    """Apply a chunk in one savepoint, looking up only its own owners, cars and visits.

    A chunk the database refuses is replayed one row per savepoint. The chunk's objects
    are not kept afterwards, so the session lets go of them and memory stays flat; the
    lines it skipped are marked in `import_rows`.
    """
    emails = [entry["email"] for entry in chunk]
    users = users_by_email(session, emails)
    vehicles = active_vehicles_by_vin(session, (entry["vin"] for entry in chunk))
    with_visits = [
        vehicles[entry["vin"]].id
        for entry in chunk
        if entry.get("service_action") == "create" and entry["vin"] in vehicles
    ]
    step = _Step(
        dict(users),
        dict(vehicles),
        owners_created_before(session, batch_id, emails, chunk[0]["row"]),
        services_on_file(session, with_visits) if with_visits else set(),
        today,
    )
    first = step.again()
    if _in_savepoint(session, chunk, first):
        progress.merge(first)
        _mark_skipped(session, batch_id, first.skipped)
        return
    refused = []
    for entry in chunk:
        attempt = step.again()
        if _in_savepoint(session, [entry], attempt):
            progress.merge(attempt)
            _mark_skipped(session, batch_id, attempt.skipped)
            step.users, step.vehicles = attempt.users, attempt.vehicles
            step.created_earlier = step.created_earlier | attempt.created.keys()
        else:
            refused.append((entry["row"], "the database refused it; upload again"))
    progress.skip(refused)
    _mark_skipped(session, batch_id, refused)


def _mark_skipped(session: Session, batch_id: int, skipped: list[tuple[int, str]]) -> None:
    """Write why each skipped line was left alone onto its planned row."""
    if skipped:
        session.execute(
            update(ImportRow),
            [
                {"batch_id": batch_id, "line": line, "skipped_reason": reason}
                for line, reason in skipped
            ],
        )


def _in_savepoint(session: Session, entries: list[dict], step: _Step) -> bool:
    """Apply the entries in one savepoint; False, with nothing written, if the database
    refuses them."""
    try:
        with session.begin_nested(), session.no_autoflush:
            for entry in entries:
                _apply_entry(session, entry, step)
    except IntegrityError:
        return False
    return True


def _apply_entry(session: Session, entry: dict, step: _Step) -> None:
    """Apply one row, or record why it was skipped; nothing is written for a skipped row."""
    try:
        user, vehicle = _check_row(entry, step)
        user, new_user = _write_owner(session, entry, user, step)
    except RowSkipped as problem:
        step.skipped.append((entry["row"], str(problem)))
        return
    vehicle = _write_vehicle(session, entry, user, vehicle)
    _record_visit(session, entry, vehicle, step)
    counts = step.counts
    counts["applied_rows"] += 1
    if new_user:
        step.created[user.email] = user
        step.users[user.email] = user
        counts["owners_created"] += 1
        counts["birthdays_added"] += user.birthday is not None
    counts["vehicles_created"] += entry["vehicle_action"] == "create"
    counts["vehicles_updated"] += entry["vehicle_action"] == "update"
    step.vehicles[vehicle.vin] = vehicle


def _check_row(entry: dict, step: _Step) -> tuple[User | None, Vehicle | None]:
    """The row's owner and car as they are now; RowSkipped if the preview no longer holds."""
    email = entry["email"]
    user = step.users.get(email)
    if entry["owner_action"] in ("create", "same_as_earlier_row"):
        if user is not None and not step.is_new_owner(email):
            raise RowSkipped(f"an account for {email} was created since the preview")
    elif user is None or user.id != entry["owner_id"]:
        raise RowSkipped(f"the account for {email} changed since the preview")
    elif user.role != Role.OWNER or user.deactivated_at is not None:
        raise RowSkipped(f"the account for {email} is no longer an active owner")

    vehicle = step.vehicles.get(entry["vin"])
    if entry["vehicle_action"] == "create":
        if vehicle is not None:
            raise RowSkipped(f"VIN {entry['vin']} was registered since the preview")
    elif vehicle is None or vehicle.id != entry["vehicle_id"] or vehicle.owner_id != user.id:
        raise RowSkipped(f"VIN {entry['vin']} changed hands since the preview")
    elif entry["vehicle_action"] == "update":
        changes = entry["vehicle_changes"]
        if any(
            stored_value(getattr(vehicle, name)) != old for name, (old, _new) in changes.items()
        ):
            raise RowSkipped(f"the vehicle {entry['vin']} was edited since the preview")
    return user, vehicle


def _write_owner(
    session: Session, entry: dict, user: User | None, step: _Step
) -> tuple[User, bool]:
    """Create the owner (the row's first write) or fill in the phone or birthday they lack."""
    if user is None:
        user = _invited_owner(entry)
        session.add(user)
        return user, True
    if entry["owner_action"] == "update":
        planned = {name: new for name, (_old, new) in entry["owner_changes"].items()}
        filled = fill_in_missing_details(
            user, phone=planned.get("phone"), birthday=_as_date(planned.get("birthday"))
        )
        step.counts["owners_updated"] += bool(filled)
        step.counts["birthdays_added"] += "birthday" in filled
    return user, False


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _invited_owner(entry: dict) -> User:
    """An account to claim, on the rules of `accounts.services.members.create_invited_owner`.

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
        birthday=_as_date(entry.get("birthday")),
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


def _record_visit(session: Session, entry: dict, vehicle: Vehicle, step: _Step) -> None:
    """Add the line's last service to the car's history, unless a visit that day is on file."""
    if entry.get("service_action") != "create":
        return
    day = entry["last_service_date"]
    if vehicle.id is not None and (vehicle.id, day) in step.services:
        return  # recorded since the preview: the same visit, not a second one
    record = new_service_record(
        vehicle,
        performed_on=date.fromisoformat(day),
        miles=entry["last_service_miles"],
        work_done=IMPORTED_VISIT,
        at_dealership=True,
        recall_code=None,
        today=step.today,
    )
    session.add(record)
    step.counts["services_recorded"] += 1
