"""Applying an import: exactly the previewed plan, each row whole or not at all.

Apply re-checks each planned row against the database (it may have changed since the
preview) and applies it in a savepoint of its own. Unchanged rows are never touched, which
makes importing the same file twice a no-op.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services.invitations import queue_claim_invitations
from portal.accounts.services.members import hash_password, normalise_email
from portal.audit import record_audit
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.queries import active_vehicles_by_vin, users_by_email
from portal.imports.rules import VEHICLE_FIELDS, batches, stored_value
from portal.notifications.dispatch import take_queued
from portal.security import new_url_token

#: The password of an imported account is 256 random bits nobody knows until the claim link
#: replaces it with a properly stretched hash. Stretching a random 256-bit secret adds
#: nothing (it cannot be guessed either way), and at scrypt N=2^17 it would cost ~0.2 s per
#: owner: half an hour for 10,000.
PLACEHOLDER_HASH_METHOD = "pbkdf2:sha256:1"
#: A preview older than this must be uploaded again: the database has probably moved on.
PREVIEW_MAX_AGE_HOURS = 24
#: Invitations for an import this small go out before the page answers; more wait for
#: `flask notify run`, so a large file's confirmation does not wait on the mail server.
SEND_NOW_LIMIT = 100
INVITATION_REASON = (
    "You bought your car from us, so we've brought its details across from our records: "
    "no forms to fill in."
)


class RowSkipped(Exception):
    """The database changed since the preview in a way that makes this row unsafe to apply."""


@dataclass
class _Progress:
    """What applying has done so far: small facts per new owner, counts, skipped rows."""

    #: The id of each owner the import created, by email.
    created_ids: dict[str, int] = field(default_factory=dict)
    cars_of_new_owner: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLY_COUNTS, 0))
    skipped: list[dict] = field(default_factory=list)

    def merge(self, step: "_Step") -> None:
        """Keep what a savepoint did, once the database has accepted it."""
        self.created_ids.update((email, user.id) for email, user in step.created.items())
        for email, label in step.cars:
            self.cars_of_new_owner.setdefault(email, []).append(label)
        for name, count in step.counts.items():
            self.counts[name] += count
        self.skipped.extend(step.skipped)


@dataclass
class _Step:
    """One savepoint's work, kept apart so a savepoint the database refuses leaves no trace.

    `users` and `vehicles` are the chunk's owners and cars as found, plus those it writes.
    """

    users: dict[str, User]
    vehicles: dict[str, Vehicle]
    progress: _Progress
    created: dict[str, User] = field(default_factory=dict)
    cars: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLY_COUNTS, 0))
    skipped: list[dict] = field(default_factory=list)

    def is_new_owner(self, email: str) -> bool:
        """Whether this import created the account for `email`."""
        return email in self.created or email in self.progress.created_ids


APPLY_COUNTS = (
    "applied_rows",
    "owners_created",
    "owners_updated",
    "vehicles_created",
    "vehicles_updated",
)
#: Rows applied per savepoint, each chunk with its own lookups. A chunk the database refuses
#: is undone and replayed one row per savepoint, so each row still lands whole or not at all.
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

    progress = _Progress()
    todo = (entry for entry in batch.plan if entry["outcome"] in ("create", "update"))
    for chunk in batches(todo, APPLY_CHUNK):
        _apply_chunk(session, chunk, progress)

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
            (progress.created_ids[email], cars)
            for email, cars in progress.cars_of_new_owner.items()
        ]
    }


def _apply_chunk(session: Session, chunk: list[dict], progress: _Progress) -> None:
    """Apply a chunk in one savepoint, looking up only its own owners and cars.

    A chunk the database refuses is replayed one row per savepoint. The chunk's objects
    are not kept afterwards, so the session lets go of them and memory stays flat.
    """
    users = users_by_email(session, (entry["email"] for entry in chunk))
    vehicles = active_vehicles_by_vin(session, (entry["vin"] for entry in chunk))
    step = _Step(dict(users), dict(vehicles), progress)
    if _in_savepoint(session, chunk, step):
        progress.merge(step)
        return
    for entry in chunk:
        step = _Step(dict(users), dict(vehicles), progress)
        if _in_savepoint(session, [entry], step):
            progress.merge(step)
            users, vehicles = step.users, step.vehicles
        else:
            progress.skipped.append(
                {"row": entry["row"], "reason": "the database refused it; upload again"}
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
        user, new_user = _write_owner(session, entry, user)
    except RowSkipped as problem:
        step.skipped.append({"row": entry["row"], "reason": str(problem)})
        return
    vehicle = _write_vehicle(session, entry, user, vehicle)
    counts = step.counts
    counts["applied_rows"] += 1
    if new_user:
        step.created[user.email] = user
        step.users[user.email] = user
        counts["owners_created"] += 1
    counts["owners_updated"] += entry["owner_action"] == "update"
    counts["vehicles_created"] += entry["vehicle_action"] == "create"
    counts["vehicles_updated"] += entry["vehicle_action"] == "update"
    step.vehicles[vehicle.vin] = vehicle
    if step.is_new_owner(user.email):
        step.cars.append((user.email, vehicle.label))


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


def queue_invitations(
    session: Session,
    invitations: list[tuple[int, list[str]]],
    *,
    dealership_name: str,
    now: datetime,
) -> list[int]:
    """Queue a claim invitation for each new owner an import created; returns their ids."""
    return queue_claim_invitations(
        session, invitations, reason=INVITATION_REASON, dealership_name=dealership_name, now=now
    )


@dataclass(frozen=True)
class AppliedImport:
    """What applying did (`apply_import`'s counts) and the invitations it queued."""

    result: dict[str, Any]
    invitation_ids: list[int]

    @property
    def sent_now(self) -> bool:
        """Whether the invitations go out as this transaction commits (else with the job)."""
        return len(self.invitation_ids) <= SEND_NOW_LIMIT


def apply_and_invite(
    session: Session,
    batch: ImportBatch,
    *,
    actor: User | None,
    dealership_name: str,
    now: datetime,
    ip: str | None = None,
) -> AppliedImport:
    """Apply the previewed plan and invite each new owner to claim their account.

    A large import's invitations are taken off the transaction's send list: they stay
    queued for `flask notify run`.
    """
    result = apply_import(session, batch, actor=actor, now=now, ip=ip)
    ids = queue_invitations(
        session, result["invitations"], dealership_name=dealership_name, now=now
    )
    applied = AppliedImport(result, ids)
    if not applied.sent_now:
        take_queued(session)
    return applied
