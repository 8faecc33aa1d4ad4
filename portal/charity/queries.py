"""Reads of charity drives: totals, honour roll, linked events, staff lists and exports."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import User
from portal.charity.models import (
    Contribution,
    Drive,
    DriveEvent,
    DriveStatus,
    DriveTally,
    GoalKind,
    amount_words,
)
from portal.charity.rules import (
    DEFAULTS,
    DriveTotals,
    HonourRoll,
    accepts_pledges,
    days_left,
    honour_name,
)
from portal.charity.tally import FIGURES, NOTHING, stored_totals
from portal.db import page_rows
from portal.dealership.queries import read_settings
from portal.events.models import Event, EventStatus
from portal.events.rules import visible_condition
from portal.json_rows import JsonRows

#: Coordinators can link events that ended up to this long ago (a car wash last weekend).
RECENT_DAYS = 60
#: Columns the staff lists sort by.
DRIVE_SORTS = {"status": Drive.status, "name": func.lower(Drive.name), "ends": Drive.ends_on}
CONTRIBUTION_SORTS = {"date": Contribution.created_at, "amount": Contribution.amount}


def _totals(drive: Drive, kept: tuple[int, ...]) -> DriveTotals:
    """A drive's totals from the FIGURES kept for it."""
    return kept_totals(drive.goal_amount, drive.match_percent, drive.match_cap, kept)


def kept_totals(goal: int, match_percent: int, match_cap: int | None, kept) -> DriveTotals:
    """A drive's totals from its goal, its match and the FIGURES kept for it (`kept` as read
    by `open_drives_kept`: all None when nobody has given yet)."""
    figures = NOTHING if kept[0] is None else kept
    return DriveTotals(
        goal=goal,
        match_percent=match_percent,
        match_cap=match_cap,
        **dict(zip(FIGURES, figures, strict=True)),
    )


def open_drives_kept(*columns) -> Select:
    """The drives taking pledges now, ending soonest first, as rows of `columns` then the
    goal, the match percent, the match cap and the kept FIGURES (`kept_totals` reads them):
    one statement for a page that shows drives with their progress."""
    return (
        select(
            *columns,
            Drive.goal_amount,
            Drive.match_percent,
            Drive.match_cap,
            *(getattr(DriveTally, name) for name in FIGURES),
        )
        .outerjoin(DriveTally, DriveTally.drive_id == Drive.id)
        .where(Drive.status == DriveStatus.OPEN)
        .order_by(Drive.ends_on, Drive.id)
    )


def totals_for(session: Session, drives: Iterable[Drive]) -> dict[int, DriveTotals]:
    """Totals for several drives, as kept with each contribution (one query, no summing)."""
    drives = list(drives)
    if not drives:
        return {}
    stored = stored_totals(session, [drive.id for drive in drives])
    return {drive.id: _totals(drive, stored.get(drive.id, NOTHING)) for drive in drives}


def drive_totals(session: Session, drive: Drive) -> DriveTotals:
    """One drive's totals."""
    return totals_for(session, [drive])[drive.id]


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


#: Built once: the rewards and community pages read the open drives on every visit.
_OPEN_DRIVES = (
    select(Drive).where(Drive.status == DriveStatus.OPEN).order_by(Drive.ends_on, Drive.id)
)


def open_drives(session: Session) -> list[Drive]:
    """Drives taking pledges now, ending soonest first."""
    return list(session.scalars(_OPEN_DRIVES))


#: Built once: what the rewards page needs to know of each open drive, as plain columns named
#: as the charity rules read a drive (`accepts_pledges`, `convert_points`).
_OPEN_DRIVE_TERMS = select(
    Drive.id,
    (Drive.status == DriveStatus.OPEN).label("is_open"),
    Drive.starts_on,
    Drive.ends_on,
    (Drive.goal_kind == GoalKind.MONEY).label("is_money"),
    Drive.points_per_item,
).where(Drive.status == DriveStatus.OPEN)


def open_drive_terms(session: Session) -> list[Row]:
    """The open drives' dates and what a gift of points gives them (id, is_open, starts_on,
    ends_on, is_money, points_per_item): rows the charity rules read as they read a drive."""
    return list(page_rows(session, _OPEN_DRIVE_TERMS))


#: Built once: the open drives with their kept totals (a drive nobody gave to has no tally
#: row), for the community page.
class DriveCard(NamedTuple):
    """An open drive as the community page's card shows it, every figure worked out once (a
    tuple: the page's loop unpacks it into names). Amounts are in words in the drive's unit."""

    id: int
    name: str
    beneficiary_name: str
    #: Received and committed in the drive's unit, for the progress block's data attributes.
    received: int
    committed: int
    committed_words: str
    goal_words: str
    percent_committed: int
    #: The bar's two lengths, in percent of the goal.
    committed_share: float
    received_share: float
    received_words: str
    outstanding_words: str
    #: What the dealership's match adds to the pledges so far (None while it adds nothing),
    #: else the match it offers: its percent (0: none) and its cap (None: no cap).
    matched_words: str | None
    match_percent: int
    match_cap_words: str | None
    #: The day it opens, while that is still to come; the day it ends, and the whole days
    #: after today until then (0 on its last day, negative after).
    starts_on: date | None
    ends_on: date
    days_left: int


#: Built once: what an open drive's card shows, with its kept totals, ending soonest first.
_DRIVE_CARDS = open_drives_kept(
    Drive.id,
    Drive.name,
    Drive.beneficiary_name,
    Drive.goal_kind,
    Drive.unit_label,
    Drive.starts_on,
    Drive.ends_on,
)


#: The same read as a column the community page's one statement carries (`portal.json_rows`).
DRIVE_CARDS = JsonRows(_DRIVE_CARDS)


def drive_cards_read() -> tuple[JsonRows, dict]:
    """The community page's read of the drives taking pledges now (it binds nothing)."""
    return DRIVE_CARDS, {}


def drive_cards_from(rows, today: date) -> list[DriveCard]:
    """`DRIVE_CARDS`'s rows as the community page's cards, ending soonest first."""
    return [_drive_card(row, today) for row in rows]


def drive_cards(session: Session, today: date) -> list[DriveCard]:
    """`drive_cards_from` the drives, in a statement of its own."""
    return drive_cards_from(page_rows(session, _DRIVE_CARDS), today)


def _drive_card(row, today: date) -> DriveCard:
    drive_id, name, beneficiary, goal_kind, unit, starts_on, ends_on = row[:7]
    goal, match_percent, match_cap, *kept = row[7:]
    totals = kept_totals(goal, match_percent, match_cap, kept)
    received, committed, matched = totals.received, totals.committed, totals.match_pledged
    return DriveCard(
        id=drive_id,
        name=name,
        beneficiary_name=beneficiary,
        received=received,
        committed=committed,
        committed_words=amount_words(committed, goal_kind, unit),
        goal_words=amount_words(goal, goal_kind, unit),
        percent_committed=totals.percent_committed,
        committed_share=totals.share(committed),
        received_share=totals.share(received),
        received_words=amount_words(received, goal_kind, unit),
        outstanding_words=amount_words(committed - received, goal_kind, unit),
        matched_words=amount_words(matched, goal_kind, unit) if matched else None,
        match_percent=match_percent,
        match_cap_words=amount_words(match_cap, goal_kind, unit) if match_cap else None,
        starts_on=starts_on if today < starts_on else None,
        ends_on=ends_on,
        days_left=days_left(row, today),
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


def read_charity_settings(session: Session) -> dict[str, Any]:
    """The dealership's charity settings."""
    return read_settings(session, DEFAULTS)


def drive_page(session: Session, drive: Drive, viewer, today: date) -> dict[str, Any]:
    """What a drive's page shows this person (a fixed number of queries)."""
    totals = drive_totals(session, drive)
    owner = viewer if viewer is not None and viewer.is_authenticated else None
    return {
        "drive": drive,
        "totals": totals,
        "today": today,
        "days_left": days_left(drive, today),
        "accepts_pledges": accepts_pledges(drive, today),
        "honour_roll": honour_roll(session, drive, totals.participants),
        "messages": recent_messages(session, drive),
        "my_pledges": pledges_by(session, drive, owner) if owner else [],
        "linked_events": events_of_drive(session, drive, viewer),
    }


def linkable_events(session: Session, now: datetime, drive: Drive | None) -> list[Event]:
    """Upcoming and recent events a coordinator may link, plus any already linked (one query)."""
    condition = (Event.status != EventStatus.CANCELLED) & (
        Event.ends_at > now - timedelta(days=RECENT_DAYS)
    )
    if drive is not None:
        linked = select(DriveEvent.event_id).where(DriveEvent.drive_id == drive.id)
        condition = or_(condition, Event.id.in_(linked))
    return list(session.scalars(select(Event).where(condition).order_by(Event.starts_at, Event.id)))


def linked_event_ids(session: Session, drive: Drive) -> list[int]:
    """The ids of the events linked to a drive."""
    return list(session.scalars(select(DriveEvent.event_id).where(DriveEvent.drive_id == drive.id)))


def events_of_drive(session: Session, drive: Drive, viewer) -> list[Event]:
    """The drive's events this person may see, soonest first (one query)."""
    return list(
        session.scalars(
            select(Event)
            .join(DriveEvent, DriveEvent.event_id == Event.id)
            .where(DriveEvent.drive_id == drive.id, visible_condition(viewer))
            .order_by(Event.starts_at, Event.id)
        )
    )


#: Built once: every view of an event asks it. Only what "Part of ..." shows is read.
_OPEN_DRIVES_OF_EVENT = (
    select(Drive.id, Drive.name, Drive.beneficiary_name)
    .join(DriveEvent, DriveEvent.drive_id == Drive.id)
    .where(DriveEvent.event_id == bindparam("event_id"), Drive.status == DriveStatus.OPEN)
    .order_by(Drive.ends_on, Drive.id)
)


def open_drives_of_event(session: Session, event_id: int) -> list[Row]:
    """The open drives an event is part of (one query), for "Part of ..." on the event page:
    rows of each drive's id, name and beneficiary_name."""
    return list(page_rows(session, _OPEN_DRIVES_OF_EVENT, {"event_id": event_id}))


def drive_list(sort: str, descending: bool) -> Select:
    """Every drive for the staff list, in the chosen order (latest end, then newest, next)."""
    column = DRIVE_SORTS[sort]
    return select(Drive).order_by(
        column.desc() if descending else column.asc(), Drive.ends_on.desc(), Drive.id.desc()
    )


def drive_contributions(drive: Drive, sort: str, descending: bool) -> Select:
    """A drive's contributions with who gave them, in the chosen order (newest breaks ties)."""
    column = CONTRIBUTION_SORTS[sort]
    return (
        select(Contribution)
        .where(Contribution.drive_id == drive.id)
        .options(selectinload(Contribution.user))
        .order_by(column.desc() if descending else column.asc(), Contribution.id.desc())
    )


def contribution_of_drive(session: Session, drive_id: int, contribution_id: int):
    """One contribution, only if it belongs to this drive."""
    return session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.drive_id == drive_id
        )
    )


def contributions_export(drive_id: int | None = None) -> Select:
    """(contribution, drive, owner's name, email) for every drive or one, drive by drive."""
    statement = (
        select(Contribution, Drive, User.name, User.email)
        .join(Drive, Drive.id == Contribution.drive_id)
        .outerjoin(User, User.id == Contribution.user_id)
        .order_by(Drive.id, Contribution.created_at, Contribution.id)
    )
    if drive_id is not None:
        statement = statement.where(Contribution.drive_id == drive_id)
    return statement
