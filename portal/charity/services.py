"""Changes to charity drives: pledges and points gifts, drafting, opening and closing drives.

Every change to a drive's contributions adds to its running totals in the same transaction
(`tally.py`); the contributions stay the record the totals can be rebuilt from.
"""

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services.members import lock_owner
from portal.charity.models import Contribution, ContributionKind, Drive, DriveEvent, DriveStatus
from portal.charity.queries import drive_totals, linked_event_ids
from portal.charity.rules import (
    COVER_FOLDER,
    DEFAULTS,
    EXTENSIONS,
    check_drive_values,
    check_pledge_amount,
    checked_message,
    convert_points,
    cover_path,
    read_checked_cover,
    thank_you_body,
)
from portal.charity.tally import count_contribution, count_received
from portal.dealership.queries import dealership_profile, read_settings
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.notifications.services import Consent, notify

# --- Pledges and points gifts -----------------------------------------------------------


def _lock_status(session: Session, drive_id: int) -> str | None:
    """The drive's current status under a shared row lock.

    On PostgreSQL, pledges hold FOR SHARE (they do not block each other) while closing
    takes the row's write lock: a pledge either commits before the close counts its
    participants, or sees the drive closed. A recount of the totals locks the row too, so
    every change to a drive's contributions takes this lock first. SQLite's BEGIN IMMEDIATE
    already serialises.
    """
    return session.scalar(
        select(Drive.status).where(Drive.id == drive_id).with_for_update(read=True)
    )


def _check_accepting(session: Session, drive: Drive, today: date) -> None:
    status = _lock_status(session, drive.id)
    if status != DriveStatus.OPEN:
        raise ServiceError(
            "This drive isn't taking pledges any more. Thank you for thinking of it."
        )
    if today < drive.starts_on:
        raise ServiceError(f"Pledges open on {drive.starts_on:%-d %B}.")
    if today > drive.ends_on:
        raise ServiceError("This drive has ended. Thank you for thinking of it.")


def _pledge_of_form(session: Session, user: User, request_token: str | None) -> Contribution | None:
    """The pledge this form already made for the owner, if any.

    Under the owner's row lock (SQLite: BEGIN IMMEDIATE), so a second submit of the same
    form waits for the first to commit and then finds its pledge; the unique index on
    (user_id, request_token) is the backstop.
    """
    if not request_token:
        return None
    lock_owner(session, user.id)
    return session.scalar(
        select(Contribution).where(
            Contribution.user_id == user.id, Contribution.request_token == request_token
        )
    )


def record_pledge(
    session: Session,
    *,
    drive: Drive,
    user: User,
    amount: int,
    message: str | None,
    show_name: bool,
    now: datetime,
    today: date,
    received_by: User | None = None,
    request_token: str | None = None,
) -> Contribution:
    """Add an owner's pledge (in the drive's unit); `received_by` records it as already in.

    `request_token` is the form's one-time token: a second submit of the same form returns
    the pledge the first one made instead of adding another.
    """
    if user.role != Role.OWNER:
        raise ServiceError("Pledges come from owners; staff record them on an owner's behalf.")
    earlier = _pledge_of_form(session, user, request_token)
    if earlier is not None:
        return earlier
    check_pledge_amount(drive, amount)
    message = checked_message(message)
    _check_accepting(session, drive, today)
    contribution = Contribution(
        drive_id=drive.id,
        user_id=user.id,
        kind=ContributionKind.PLEDGE,
        amount=amount,
        message=message,
        show_name=show_name,
        created_at=now,
        received_at=now if received_by else None,
        received_by_id=received_by.id if received_by else None,
        request_token=request_token or None,
    )
    session.add(contribution)
    session.flush()
    count_contribution(
        session,
        drive_id=drive.id,
        user_id=user.id,
        kind=ContributionKind.PLEDGE,
        amount=amount,
        received=received_by is not None,
    )
    return contribution


def record_pledge_for(session: Session, *, email: str, **pledge: Any) -> Contribution:
    """Record a pledge staff took in person for the owner with this email address."""
    owner = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if owner is None:
        raise ServiceError("No owner has that email address.", field="email")
    return record_pledge(session, user=owner, **pledge)


def points_value(session: Session, drive: Drive, points: int) -> int:
    """What `points` are worth in the drive's unit, rounded down (cents or whole items)."""
    rate = int(read_settings(session, DEFAULTS)["charity.points_per_dollar"])
    return convert_points(drive, points, rate)


def _insert_points_row(session: Session, **values: Any) -> int | None:
    """Insert a points row under its unique key and count it in the drive's totals.

    Its id, or None when the key was taken (then nothing is counted either).
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Contribution)
        .values(kind=ContributionKind.POINTS, **values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Contribution.id)
    )
    inserted = session.execute(statement).scalar_one_or_none()
    if inserted is not None:
        count_contribution(
            session,
            drive_id=values["drive_id"],
            user_id=values["user_id"],
            kind=ContributionKind.POINTS,
            amount=values["amount"],
            received=True,
        )
    return inserted


def record_points_donation(
    session: Session,
    *,
    drive: Drive,
    user: User,
    points: int,
    idempotency_key: str,
    now: datetime,
    today: date | None = None,
    show_name: bool = False,
) -> int | None:
    """Count donated reward points toward a drive; returns the new id, or None if seen before.

    The insert under the unique `idempotency_key` is the claim: the rewards side can call
    this again (a retry, a second worker) and the drive counts the gift once.
    """
    if points <= 0:
        raise ServiceError("Choose how many points to give.", field="points")
    if today is None:
        timezone = dealership_profile(session)["timezone"]
        today = now.astimezone(ZoneInfo(timezone)).date()
    _check_accepting(session, drive, today)
    amount = points_value(session, drive, points)
    if amount <= 0:
        raise ServiceError(
            "That is not quite enough points to make a whole gift to this drive.", field="points"
        )
    return _insert_points_row(
        session,
        drive_id=drive.id,
        user_id=user.id,
        amount=amount,
        points=points,
        show_name=show_name,
        created_at=now,
        received_at=now,
        idempotency_key=idempotency_key,
    )


def reverse_points_donation(session: Session, *, idempotency_key: str, now: datetime) -> int | None:
    """Take back a points donation with a negative row: the drive's sum drops by its amount.

    The donation row stays (the record is append-only, like the points ledger); the
    reversal is keyed `<key>:reversed`, so reversing twice takes it back once. Works
    whatever the drive's status: the owner's points come back, so the gift cannot stand.
    Returns the new row's id, or None when there was nothing (more) to reverse.
    """
    original = session.scalar(
        select(Contribution).where(Contribution.idempotency_key == idempotency_key)
    )
    if original is None:
        return None
    _lock_status(session, original.drive_id)  # holds off a recount of the drive meanwhile
    return _insert_points_row(
        session,
        drive_id=original.drive_id,
        user_id=original.user_id,
        amount=-original.amount,
        points=-(original.points or 0),
        show_name=False,
        created_at=now,
        received_at=now,
        idempotency_key=f"{idempotency_key}:reversed",
    )


def mark_received(session: Session, *, contribution: Contribution, by: User, now: datetime) -> bool:
    """Record that a pledge arrived; False when someone already marked it."""
    _lock_status(session, contribution.drive_id)  # holds off a recount of the drive meanwhile
    marked = session.execute(
        update(Contribution)
        .where(
            Contribution.id == contribution.id,
            Contribution.kind == ContributionKind.PLEDGE,
            Contribution.received_at.is_(None),
        )
        .values(received_at=now, received_by_id=by.id)
    ).rowcount
    session.refresh(contribution)
    if marked:
        count_received(session, drive_id=contribution.drive_id, amount=contribution.amount)
    return marked == 1


# --- Drafting a drive -------------------------------------------------------------------


def save_drive(
    session: Session,
    drive: Drive | None,
    values: Mapping[str, Any],
    *,
    event_ids: Iterable[int] = (),
    cover: IO[bytes] | None = None,
    remove_cover: bool = False,
    instance_path: str = "",
) -> tuple[Drive, str | None]:
    """Create a drive (as a draft) or change one, with its events and cover image.

    The goal's unit is fixed once people gave. A new cover is checked by its bytes before
    anything is saved. Returns the drive and the cover file it no longer uses, which the
    caller deletes (`delete_cover`) once the change is committed.
    """
    checked_cover = read_checked_cover(cover) if cover is not None else None
    check_drive_values(values)
    if drive is None:
        drive = Drive(status=DriveStatus.DRAFT)
        session.add(drive)
    elif values["goal_kind"] != drive.goal_kind and session.scalar(
        select(func.count()).select_from(Contribution).where(Contribution.drive_id == drive.id)
    ):
        raise ServiceError(
            "Owners have already given to this drive, so it keeps collecting "
            + ("money." if drive.is_money else f"{drive.unit_label or 'items'}."),
            field="goal_kind",
        )
    for name, value in values.items():
        setattr(drive, name, value)
    session.flush()
    set_linked_events(session, drive, event_ids)
    old_cover = drive.cover_filename
    if checked_cover is not None:
        data, content_type = checked_cover
        drive.cover_filename = save_cover(instance_path, data, content_type)
        drive.cover_content_type = content_type
    elif remove_cover:
        drive.cover_filename = drive.cover_content_type = None
    return drive, old_cover if old_cover != drive.cover_filename else None


def set_linked_events(session: Session, drive: Drive, event_ids: Iterable[int]) -> None:
    """Make the drive's linked events exactly `event_ids` (unknown ids are the form's job)."""
    wanted = set(event_ids)
    current = set(linked_event_ids(session, drive))
    if current - wanted:
        session.execute(
            delete(DriveEvent).where(
                DriveEvent.drive_id == drive.id, DriveEvent.event_id.in_(current - wanted)
            )
        )
    session.add_all(
        DriveEvent(drive_id=drive.id, event_id=event_id) for event_id in sorted(wanted - current)
    )
    session.flush()


def save_cover(instance_path: str, data: bytes, content_type: str) -> str:
    """Write checked bytes under a fresh random name; returns the name."""
    folder = Path(instance_path) / COVER_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
    (folder / filename).write_bytes(data)
    return filename


def delete_cover(instance_path: str, filename: str | None) -> None:
    """Remove a replaced cover; a missing file is fine."""
    if filename:
        cover_path(instance_path, filename).unlink(missing_ok=True)


def save_charity_settings(session: Session, points_per_dollar: int) -> dict:
    """Store how many reward points make a dollar; the changes, as `write_settings` gives them."""
    return write_settings(session, {"charity.points_per_dollar": points_per_dollar})


# --- Opening and closing ----------------------------------------------------------------


def _move_status(session: Session, drive: Drive, source: str, target: str, **values) -> bool:
    """One conditional UPDATE from one status to the next: True for the request that moved it."""
    moved = session.execute(
        update(Drive)
        .where(Drive.id == drive.id, Drive.status == source)
        .values(status=target, **values)
    ).rowcount
    session.refresh(drive)
    return bool(moved)


def open_drive(session: Session, drive: Drive, now: datetime) -> None:
    """Start taking pledges; only a draft opens."""
    if not _move_status(session, drive, DriveStatus.DRAFT, DriveStatus.OPEN, opened_at=now):
        raise ServiceError("Only a draft drive can be opened.")


def close_drive(session: Session, drive: Drive, now: datetime, dealership_name: str) -> list[int]:
    """Close an open drive and queue one thank-you per participant; ids of new messages.

    The conditional UPDATE decides who closes it: a second close (or a double click)
    changes nothing and sends nothing; the unique notification keys guard the rest.
    """
    if not _move_status(session, drive, DriveStatus.OPEN, DriveStatus.CLOSED, closed_at=now):
        return []
    totals = drive_totals(session, drive)
    given = dict(
        session.execute(
            select(Contribution.user_id, func.sum(Contribution.amount))
            .where(Contribution.drive_id == drive.id, Contribution.user_id.is_not(None))
            .group_by(Contribution.user_id)
            # A gift that was taken back (a declined points redemption) nets to nothing.
            .having(func.sum(Contribution.amount) > 0)
        ).all()
    )
    people = session.scalars(select(User).where(User.id.in_(given)).order_by(User.id))
    created = []
    for person in people:
        notification_id = notify(
            session,
            user=person,
            key=f"drive:{drive.id}:thanks:{person.id}",
            kind="charity",
            subject=f"Thank you for helping the {drive.name} drive",
            body=thank_you_body(drive, totals, person, int(given[person.id]), dealership_name),
            now=now,
            consent=Consent.TRANSACTIONAL,
            action_path=f"/drives/{drive.id}",
            action_label="See the final tally",
        )
        if notification_id is not None:
            created.append(notification_id)
    return created
