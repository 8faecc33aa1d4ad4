"""The rules of charity drives: pledges, points, matching, totals as sums, closing."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.charity.models import (
    Contribution,
    ContributionKind,
    Drive,
    DriveStatus,
    GoalKind,
    is_web_url,
)
from portal.dealership.queries import dealership_profile, read_settings
from portal.errors import ServiceError

#: Dealership settings this domain reads, with their defaults.
DEFAULTS: Mapping[str, Any] = {
    #: Reward points an owner gives up for one dollar to a money drive.
    "charity.points_per_dollar": 100,
}

MAX_PLEDGE_CENTS = 100_000 * 100
MAX_PLEDGE_ITEMS = 10_000
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True)
class DriveTotals:
    """A drive's progress, computed from its contributions at read time (never stored)."""

    goal: int
    #: Everything owners pledged, received or not; and the part that has arrived.
    owners_pledged: int = 0
    owners_received: int = 0
    #: What donated reward points are worth in the drive's unit (always received).
    points_value: int = 0
    match_percent: int = 0
    match_cap: int | None = None
    participants: int = 0
    contributions: int = 0

    def _match(self, owners_total: int) -> int:
        """min(cap, ratio x owners' total): the dealership's matching pledge."""
        matched = owners_total * self.match_percent // 100
        return matched if self.match_cap is None else min(self.match_cap, matched)

    @property
    def match_received(self) -> int:
        return self._match(self.owners_received)

    @property
    def match_pledged(self) -> int:
        return self._match(self.owners_pledged)

    @property
    def received(self) -> int:
        """What has reached the drive: received pledges, points, and their match."""
        return self.owners_received + self.points_value + self.match_received

    @property
    def committed(self) -> int:
        """Received plus still-outstanding pledges (and the match on them)."""
        return self.owners_pledged + self.points_value + self.match_pledged

    @property
    def outstanding(self) -> int:
        return self.committed - self.received

    def share(self, value: int) -> float:
        """`value` as a percentage of the goal, capped at 100 for drawing."""
        return 0.0 if self.goal <= 0 else round(min(100.0, value * 100 / self.goal), 1)

    @property
    def percent_committed(self) -> int:
        """The headline figure, uncapped (a drive can beat its goal)."""
        return 0 if self.goal <= 0 else int(self.committed * 100 // self.goal)


@dataclass(frozen=True)
class HonourRoll:
    """Names of those who chose to be named, and how many gave anonymously."""

    names: list[str]
    anonymous: int


def honour_name(user: User) -> str:
    """First name and last initial: 'Grace W.'."""
    parts = user.name.split()
    initial = f" {parts[-1][0]}." if len(parts) > 1 else ""
    return f"{user.first_name}{initial}"


def totals_for(session: Session, drives: Iterable[Drive]) -> dict[int, DriveTotals]:
    """Totals for several drives in one grouped query.

    Sums per (drive, giver) first, so a giver whose only gift was reversed (a declined
    points redemption) no longer counts as taking part.
    """
    drives = list(drives)
    if not drives:
        return {}
    is_pledge = Contribution.kind == ContributionKind.PLEDGE
    received = Contribution.received_at.is_not(None)
    per_giver = (
        select(
            Contribution.drive_id,
            Contribution.user_id,
            func.sum(case((is_pledge, Contribution.amount), else_=0)).label("pledged"),
            func.sum(case((is_pledge & received, Contribution.amount), else_=0)).label("received"),
            func.sum(case((is_pledge, 0), else_=Contribution.amount)).label("points_value"),
            func.count().label("contributions"),
        )
        .where(Contribution.drive_id.in_([drive.id for drive in drives]))
        .group_by(Contribution.drive_id, Contribution.user_id)
        .subquery()
    )
    gave = (per_giver.c.pledged + per_giver.c.points_value > 0) & per_giver.c.user_id.is_not(None)
    rows = session.execute(
        select(
            per_giver.c.drive_id,
            func.coalesce(func.sum(per_giver.c.pledged), 0),
            func.coalesce(func.sum(per_giver.c.received), 0),
            func.coalesce(func.sum(per_giver.c.points_value), 0),
            func.count(case((gave, per_giver.c.user_id))),
            func.coalesce(func.sum(per_giver.c.contributions), 0),
        ).group_by(per_giver.c.drive_id)
    ).all()
    sums = {row[0]: row[1:] for row in rows}
    result = {}
    for drive in drives:
        pledged, owners_received, points_value, participants, count = sums.get(
            drive.id, (0, 0, 0, 0, 0)
        )
        result[drive.id] = DriveTotals(
            goal=drive.goal_amount,
            owners_pledged=int(pledged),
            owners_received=int(owners_received),
            points_value=int(points_value),
            match_percent=drive.match_percent,
            match_cap=drive.match_cap,
            participants=int(participants),
            contributions=int(count),
        )
    return result


def drive_totals(session: Session, drive: Drive) -> DriveTotals:
    """One drive's totals."""
    return totals_for(session, [drive])[drive.id]


def accepts_pledges(drive: Drive, today: date) -> bool:
    """Open, started and not yet past its end date (in the dealership's time zone)."""
    return drive.is_open and drive.starts_on <= today <= drive.ends_on


def days_left(drive: Drive, today: date) -> int:
    """Whole days after today until the drive ends (0 on its last day, negative after)."""
    return (drive.ends_on - today).days


def _lock_status(session: Session, drive: Drive) -> str | None:
    """The drive's current status under a shared row lock.

    On PostgreSQL, pledges hold FOR SHARE (they do not block each other) while closing
    takes the row's write lock: a pledge either commits before the close counts its
    participants, or sees the drive closed. SQLite's BEGIN IMMEDIATE already serialises.
    """
    return session.scalar(
        select(Drive.status).where(Drive.id == drive.id).with_for_update(read=True)
    )


def _check_accepting(session: Session, drive: Drive, today: date) -> None:
    status = _lock_status(session, drive)
    if status != DriveStatus.OPEN:
        raise ServiceError(
            "This drive isn't taking pledges any more. Thank you for thinking of it."
        )
    if today < drive.starts_on:
        raise ServiceError(f"Pledges open on {drive.starts_on:%-d %B}.")
    if today > drive.ends_on:
        raise ServiceError("This drive has ended. Thank you for thinking of it.")


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
) -> Contribution:
    """Add an owner's pledge (in the drive's unit); `received_by` records it as already in."""
    if user.role != Role.OWNER:
        raise ServiceError("Pledges come from owners; staff record them on an owner's behalf.")
    limit = MAX_PLEDGE_CENTS if drive.is_money else MAX_PLEDGE_ITEMS
    if not 0 < amount <= limit:
        raise ServiceError(
            f"Please pledge between {drive.format_amount(1 if not drive.is_money else 100)} "
            f"and {drive.format_amount(limit)}.",
            field="amount",
        )
    message = (message or "").strip() or None
    if message and len(message) > MAX_MESSAGE_LENGTH:
        raise ServiceError(
            f"Please keep the message to {MAX_MESSAGE_LENGTH} characters.", field="message"
        )
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
    )
    session.add(contribution)
    session.flush()
    return contribution


def convert_points(drive: Drive, points: int, points_per_dollar: int) -> int:
    """What `points` are worth in the drive's unit at this rate, rounded down."""
    if drive.goal_kind == GoalKind.MONEY:
        return points * 100 // points_per_dollar if points_per_dollar > 0 else 0
    return points // drive.points_per_item if drive.points_per_item else 0


def points_value(session: Session, drive: Drive, points: int) -> int:
    """What `points` are worth in the drive's unit, rounded down (cents or whole items)."""
    rate = int(read_settings(session, DEFAULTS)["charity.points_per_dollar"])
    return convert_points(drive, points, rate)


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
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Contribution)
        .values(
            drive_id=drive.id,
            user_id=user.id,
            kind=ContributionKind.POINTS,
            amount=amount,
            points=points,
            show_name=show_name,
            created_at=now,
            received_at=now,
            idempotency_key=idempotency_key,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Contribution.id)
    )
    return session.execute(statement).scalar_one_or_none()


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
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Contribution)
        .values(
            drive_id=original.drive_id,
            user_id=original.user_id,
            kind=ContributionKind.POINTS,
            amount=-original.amount,
            points=-(original.points or 0),
            show_name=False,
            created_at=now,
            received_at=now,
            idempotency_key=f"{idempotency_key}:reversed",
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Contribution.id)
    )
    return session.execute(statement).scalar_one_or_none()


def mark_received(session: Session, *, contribution: Contribution, by: User, now: datetime) -> bool:
    """Record that a pledge arrived; False when someone already marked it."""
    marked = session.execute(
        update(Contribution)
        .where(Contribution.id == contribution.id, Contribution.received_at.is_(None))
        .values(received_at=now, received_by_id=by.id)
    ).rowcount
    session.refresh(contribution)
    return marked == 1


def honour_roll(session: Session, drive: Drive, participants: int) -> HonourRoll:
    """Named contributors in the order they first gave; the rest are counted, not named."""
    rows = session.execute(
        select(User)
        .join(Contribution, Contribution.user_id == User.id)
        .where(Contribution.drive_id == drive.id, Contribution.show_name.is_(True))
        .group_by(User.id)
        .order_by(func.min(Contribution.id))
    ).scalars()
    names = [honour_name(user) for user in rows]
    return HonourRoll(names=names, anonymous=max(0, participants - len(names)))


def recent_messages(session: Session, drive: Drive, limit: int = 12) -> list[tuple[str, str]]:
    """(who, message) for the latest messages; anonymous givers are 'An owner'."""
    rows = session.execute(
        select(Contribution.message, Contribution.show_name, User)
        .outerjoin(User, Contribution.user_id == User.id)
        .where(Contribution.drive_id == drive.id, Contribution.message.is_not(None))
        .order_by(Contribution.id.desc())
        .limit(limit)
    ).all()
    return [
        (honour_name(user) if show_name and user else "An owner", message)
        for message, show_name, user in rows
    ]


def pledges_by(session: Session, drive: Drive, user: User) -> list[Contribution]:
    """The owner's own contributions to this drive, oldest first."""
    return list(
        session.scalars(
            select(Contribution)
            .where(Contribution.drive_id == drive.id, Contribution.user_id == user.id)
            .order_by(Contribution.id)
        )
    )


def open_drives(session: Session) -> list[Drive]:
    """Drives taking pledges now, ending soonest first."""
    return list(
        session.scalars(
            select(Drive).where(Drive.status == DriveStatus.OPEN).order_by(Drive.ends_on, Drive.id)
        )
    )


def public_drives(session: Session) -> list[Drive]:
    """Open drives, then closed ones, most recent first (drafts stay with the team)."""
    return list(
        session.scalars(
            select(Drive)
            .where(Drive.status.in_([DriveStatus.OPEN, DriveStatus.CLOSED]))
            .order_by(Drive.status.desc(), Drive.ends_on.desc(), Drive.id.desc())
        )
    )


def save_drive(session: Session, drive: Drive | None, values: Mapping[str, Any]) -> Drive:
    """Create a drive (as a draft) or change one; the goal's unit is fixed once people gave."""
    if values["ends_on"] < values["starts_on"]:
        raise ServiceError("The drive must end on or after the day it starts.", field="ends_on")
    if values.get("beneficiary_url") and not is_web_url(values["beneficiary_url"]):
        raise ServiceError(
            "Enter a full web address starting with https:// or http://.",
            field="beneficiary_url",
        )
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
    return drive


def open_drive(session: Session, drive: Drive, now: datetime) -> None:
    """Start taking pledges; only a draft opens."""
    opened = session.execute(
        update(Drive)
        .where(Drive.id == drive.id, Drive.status == DriveStatus.DRAFT)
        .values(status=DriveStatus.OPEN, opened_at=now)
    ).rowcount
    session.refresh(drive)
    if not opened:
        raise ServiceError("Only a draft drive can be opened.")


def read_charity_settings(session: Session) -> dict[str, Any]:
    """The dealership's charity settings."""
    return read_settings(session, DEFAULTS)
