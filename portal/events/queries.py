"""What owners and coordinators read: each page's data in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    func,
    select,
    true,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Subquery

from portal.accounts.models import User
from portal.db import page_rows
from portal.events.models import (
    KIND_LABELS,
    CalendarFeed,
    Event,
    EventStatus,
    GuestPerson,
    Rsvp,
    RsvpStatus,
)
from portal.events.rules import (
    audiences_for,
    suits_vehicle_condition,
    visible_to,
    waitlist_order,
)
from portal.json_rows import JsonRows
from portal.paging import in_direction
from portal.security import hash_token

#: The owners' list shows this many upcoming events a page (a dealer group runs hundreds).
LIST_LIMIT = 20


def ranked_waitlist(event_ids) -> Subquery:
    """Each waitlisted RSVP of these events (a select of ids) with its place in the queue."""
    return (
        select(
            Rsvp.id.label("rsvp_id"),
            func.row_number()
            .over(partition_by=Rsvp.event_id, order_by=waitlist_order())
            .label("position"),
        )
        .join(Event, Event.id == Rsvp.event_id)
        .outerjoin(User, User.id == Rsvp.user_id)  # visitors queue in the same line
        .where(Rsvp.status == RsvpStatus.WAITLISTED, Rsvp.event_id.in_(event_ids))
        .subquery()
    )


def _positions_statement() -> Select:
    given = aliased(Rsvp)
    ranked = ranked_waitlist(
        select(given.event_id).where(given.id.in_(bindparam("rsvp_ids", expanding=True)))
    )
    return select(ranked.c.rsvp_id, ranked.c.position).where(
        ranked.c.rsvp_id.in_(bindparam("rsvp_ids", expanding=True))
    )


#: Built once: staff lists ask it on every page.
_POSITIONS = _positions_statement()


def waitlist_positions(session: Session, rsvp_ids: list[int]) -> dict[int, int]:
    """{rsvp id: place in its event's waitlist, 1-based} for the waitlisted ones given."""
    if not rsvp_ids:
        return {}
    return dict(session.execute(_POSITIONS, {"rsvp_ids": rsvp_ids}).all())


class EventRow(NamedTuple):
    """An event as a list shows it, with the owner's RSVP and whether it suits their car.

    Plain values read as columns (no ORM objects): a list builds one per event on every view.
    A tuple, in the order a list's loop unpacks it: each name a card shows is then a plain
    value in the template, not an attribute looked up on every use.
    """

    id: int
    title: str
    kind_label: str
    audience: str
    location: str
    starts_at: datetime
    seats_left: int
    #: The owner's RSVP status (confirmed, waitlisted...), None without one.
    rsvp_status: str | None
    for_my_car: bool


#: The columns a list row is made of (`EventRow`, in that order, the kind's label and the
#: seats left worked out in Python).
_ROW_COLUMNS = (
    Event.id,
    Event.title,
    Event.kind,
    Event.audience,
    Event.location,
    Event.starts_at,
    Event.capacity,
    Event.seats_taken,
)


def _event_row(row, rsvp_status: str | None, for_my_car: bool) -> EventRow:
    event_id, title, kind, audience, location, starts_at, capacity, taken = row[:8]
    return EventRow(
        event_id,
        title,
        KIND_LABELS.get(kind, kind),
        audience,
        location,
        starts_at,
        max(capacity - taken, 0),
        rsvp_status,
        for_my_car,
    )


def _signed_in_owner_id(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


#: The events someone not on the staff may open, their audiences bound per request (`viewer`).
VISIBLE = visible_to(bindparam("audiences", expanding=True))


def viewer(user) -> tuple[int | None, bool, dict]:
    """(the owner's id or None, whether they are staff, the values every statement binds)."""
    owner_id = _signed_in_owner_id(user)
    return owner_id, bool(owner_id) and user.is_staff, {"audiences": audiences_for(user)}


@cache
def _upcoming_statement(signed_in: bool, staff: bool, of_kind: bool) -> Select:
    """Built once per kind of viewer: the upcoming events, for an owner with their RSVP and
    the events that suit their car first."""
    condition = and_(
        true() if staff else VISIBLE,
        Event.status == EventStatus.PUBLISHED,
        Event.ends_at > bindparam("now"),
        Event.kind == bindparam("kind") if of_kind else true(),
    )
    if not signed_in:
        query = select(*_ROW_COLUMNS).where(condition).order_by(Event.starts_at, Event.id)
        return query.limit(bindparam("limit")).offset(bindparam("offset"))
    for_my_car = case((suits_vehicle_condition(bindparam("owner_id")), 1), else_=0)
    for_my_car = for_my_car.label("for_my_car")
    return (
        select(*_ROW_COLUMNS, Rsvp.status, for_my_car)
        .outerjoin(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.user_id == bindparam("owner_id")))
        .where(condition)
        .order_by(for_my_car.desc(), Event.starts_at, Event.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _upcoming_rows(signed_in: bool, staff: bool, of_kind: bool) -> JsonRows:
    return JsonRows(_upcoming_statement(signed_in, staff, of_kind))


def upcoming_events_read(
    user, now: datetime, kind: str | None, limit: int = LIST_LIMIT, offset: int = 0
) -> tuple[JsonRows, dict]:
    """The read of the upcoming published events this person may see; for an owner, events
    for their car first, each with their RSVP's status. A visitor's list reads the events
    alone. `limit` rows from `offset` on, in that order: the list's pages."""
    owner_id, staff, values = viewer(user)
    values |= {"now": now, "limit": limit, "offset": offset, "kind": kind, "owner_id": owner_id}
    return _upcoming_rows(bool(owner_id), staff, bool(kind)), values


def upcoming_events_from(rows, values: dict) -> list[EventRow]:
    """The list rows of `upcoming_events_read`'s rows (`values`: the read's bound values)."""
    if not values["owner_id"]:
        return [_event_row(row, None, False) for row in rows]
    return [_event_row(row, row[8], bool(row[9])) for row in rows]


def upcoming_events(
    session: Session,
    user,
    now: datetime,
    kind: str | None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
) -> list[EventRow]:
    """`upcoming_events_read`'s events, in a statement of their own."""
    read, values = upcoming_events_read(user, now, kind, limit, offset)
    return upcoming_events_from(page_rows(session, read.read, values), values)


@dataclass(frozen=True, slots=True)
class OpenEvent:
    """A public event as an invitation lists it: its title, time and seats left."""

    id: int
    title: str
    starts_at: datetime
    seats_left: int


#: Built once: the next public events a visitor could still come to (an invitation's list).
_TO_JOIN = (
    select(Event.id, Event.title, Event.starts_at, Event.capacity, Event.seats_taken)
    .where(
        VISIBLE,
        Event.status == EventStatus.PUBLISHED,
        Event.ends_at > bindparam("now"),
        func.coalesce(Event.rsvp_closes_at, Event.starts_at) > bindparam("now"),
    )
    .order_by(Event.starts_at, Event.id)
    .limit(bindparam("limit"))
)


def events_to_join(session: Session, now: datetime, limit: int) -> list[OpenEvent]:
    """The next public events a visitor could still come to, soonest first, in one query:
    RSVPs still open, and a seat left or, when full, a place on the waitlist. Only what an
    invitation lists is read (title, time and how full), as plain rows."""
    values = {"now": now, "limit": limit, "audiences": audiences_for(None)}
    return [
        OpenEvent(event_id, title, starts_at, max(capacity - taken, 0))
        for event_id, title, starts_at, capacity, taken in page_rows(session, _TO_JOIN, values)
    ]


def position_subquery(owner_id: int | None):
    """Waitlist places of every waitlisted RSVP on the events this owner is waiting for."""
    mine = aliased(Rsvp)
    waiting_on = select(mine.event_id).where(
        mine.user_id == (0 if owner_id is None else owner_id), mine.status == RsvpStatus.WAITLISTED
    )
    return ranked_waitlist(waiting_on)


@dataclass
class MyEvent:
    """An owner's RSVP with its event and queue place."""

    rsvp: Rsvp
    event: Event
    position: int | None


def my_events(
    session: Session, user: User, now: datetime, include_cancelled: bool = False
) -> tuple[list[MyEvent], list[MyEvent]]:
    """The owner's RSVPs: (upcoming soonest first, past latest first), one query.

    Cancelled RSVPs only when asked (the team's view of an owner).
    """
    position = position_subquery(user.id)
    query = (
        select(Rsvp, Event, position.c.position)
        .join(Event, Event.id == Rsvp.event_id)
        .outerjoin(position, position.c.rsvp_id == Rsvp.id)
        .where(Rsvp.user_id == user.id)
        .order_by(Event.starts_at, Event.id)
    )
    if not include_cancelled:
        query = query.where(Rsvp.status != RsvpStatus.CANCELLED)
    rows = session.execute(query).all()
    upcoming = [MyEvent(*row) for row in rows if row[1].ends_at > now]
    past = [MyEvent(*row) for row in reversed(rows) if row[1].ends_at <= now]
    return upcoming, past


#: Built once: the owner's home page shows their next events on every visit. The columns a
#: line shows, not the RSVP and event objects.
_NEXT_EVENTS = (
    select(Rsvp.id, Rsvp.status, Event.id, Event.title, Event.location, Event.starts_at)
    .join(Event, Event.id == Rsvp.event_id)
    .where(
        Rsvp.user_id == bindparam("user_id"),
        Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
        Event.ends_at > bindparam("now"),
        Event.status == EventStatus.PUBLISHED,
    )
    .order_by(Event.starts_at)
    .limit(bindparam("limit"))
)


#: The same read as a column the home page's one statement carries (`portal.json_rows`).
NEXT_EVENTS = JsonRows(_NEXT_EVENTS)


def next_events_read(user_id: int, now: datetime, limit: int = 3) -> tuple[JsonRows, dict]:
    """The home page's read of the owner's next few events with a seat or a waitlist place:
    rows of (rsvp id, its status, event id, title, location, start). Only published events,
    so none is cancelled."""
    return NEXT_EVENTS, {"user_id": user_id, "now": now, "limit": limit}


def next_events(session: Session, user: User, now: datetime, limit: int = 3) -> list[Row]:
    """`next_events_read`'s rows, in a statement of their own."""
    values = {"user_id": user.id, "now": now, "limit": limit}
    return page_rows(session, _NEXT_EVENTS, values).all()


def owner_rsvp(session: Session, user: User, rsvp_id: int) -> Rsvp | None:
    """One of the owner's own RSVPs, or None (never another owner's)."""
    return session.scalar(select(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.user_id == user.id))


def event_rsvp(session: Session, event_id: int, rsvp_id: int) -> Rsvp | None:
    """An RSVP to this event, or None (an RSVP to another event is not found)."""
    return session.scalar(select(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.event_id == event_id))


def rsvp_by_ticket(session: Session, code: str) -> Rsvp | None:
    """The RSVP whose ticket carries this code, or None."""
    return session.scalar(select(Rsvp).where(Rsvp.ticket_hash == hash_token(code)))


@dataclass
class Attendee:
    """A row of the coordinator's attendee list."""

    rsvp: Rsvp
    #: The owner, or for a visitor's RSVP (`rsvp.is_guest`) their name and email.
    user: User | GuestPerson
    position: int | None


#: Attendee list order: who is coming first, then the queue, then cancellations.
_STATUS_ORDER = case(
    (Rsvp.status == RsvpStatus.ATTENDED, 0),
    (Rsvp.status == RsvpStatus.CONFIRMED, 0),
    (Rsvp.status == RsvpStatus.WAITLISTED, 1),
    else_=2,
)


def attendees(session: Session, event: Event, include_cancelled: bool = True) -> list[Attendee]:
    """Everyone who answered, with waitlist places, in two queries."""
    query = (
        select(Rsvp, User)
        .outerjoin(User, User.id == Rsvp.user_id)
        .where(Rsvp.event_id == event.id)
        .order_by(_STATUS_ORDER, func.coalesce(User.name, Rsvp.guest_name), Rsvp.id)
    )
    if not include_cancelled:
        query = query.where(Rsvp.status != RsvpStatus.CANCELLED)
    rows = session.execute(query).all()
    waiting = [rsvp.id for rsvp, _ in rows if rsvp.status == RsvpStatus.WAITLISTED]
    positions = waitlist_positions(session, waiting)
    attendee_rows = [
        Attendee(rsvp, user or rsvp.person, positions.get(rsvp.id)) for rsvp, user in rows
    ]
    # The queue in waitlist order, not by name.
    attendee_rows.sort(
        key=lambda row: (
            0 if row.rsvp.holds_seat else 1 if row.position else 2,
            row.position or 0,
        )
    )
    return attendee_rows


def check_in_sheet(session: Session, event: Event) -> list[Attendee]:
    """The confirmed attendees in name order, for a printed check-in sheet."""
    rows = [row for row in attendees(session, event) if row.rsvp.holds_seat]
    return sorted(rows, key=lambda row: row.user.name.lower())


#: Built once: every coordinator's list and the event's page count seats with it.
_SEAT_COUNTS = (
    select(Rsvp.event_id, Rsvp.status, func.count())
    .where(Rsvp.event_id.in_(bindparam("event_ids", expanding=True)))
    .group_by(Rsvp.event_id, Rsvp.status)
)


def seat_counts(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """{event id: {status: number of RSVPs}} in one query, for coordinators' lists."""
    counts: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return counts
    for event_id, status, number in session.execute(_SEAT_COUNTS, {"event_ids": event_ids}):
        counts[event_id][status] = number
    return counts


#: Columns coordinators sort the events list by.
COORDINATOR_SORTS = {
    "date": Event.starts_at,
    "name": func.lower(Event.title),
    "status": Event.status,
}


def events_for_coordinators(now: datetime, past: bool, sort: str, descending: bool) -> Select:
    """Upcoming (or past) events in the chosen order, for a paged list."""
    column = COORDINATOR_SORTS[sort]
    when = Event.ends_at <= now if past else Event.ends_at > now
    return (
        select(Event)
        .where(when)
        .order_by(*in_direction(descending, *dict.fromkeys([column, Event.starts_at, Event.id])))
    )


def feed_for(session: Session, user: User) -> CalendarFeed | None:
    """The owner's calendar feed, if they made one."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
