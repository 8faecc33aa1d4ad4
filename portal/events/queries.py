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
    exists,
    false,
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
from portal.events.question_models import EventQuestion
from portal.events.rules import (
    audiences_for,
    suits_vehicle_condition,
    visible_to,
    waitlist_order,
)
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


#: The events someone not on the staff may open, their audiences bound per request (`_viewer`).
_VISIBLE = visible_to(bindparam("audiences", expanding=True))


def _viewer(user) -> tuple[int | None, bool, dict]:
    """(the owner's id or None, whether they are staff, the values every statement binds)."""
    owner_id = _signed_in_owner_id(user)
    return owner_id, bool(owner_id) and user.is_staff, {"audiences": audiences_for(user)}


@cache
def _upcoming_statement(signed_in: bool, staff: bool, of_kind: bool) -> Select:
    """Built once per kind of viewer: the upcoming events, for an owner with their RSVP and
    the events that suit their car first."""
    condition = and_(
        true() if staff else _VISIBLE,
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


def upcoming_events(
    session: Session,
    user,
    now: datetime,
    kind: str | None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
) -> list[EventRow]:
    """Upcoming published events this person may see; for an owner, events for their car
    first, each with their RSVP's status. A visitor's list reads the events alone.
    `limit` rows from `offset` on, in that order: the list's pages."""
    owner_id, staff, values = _viewer(user)
    values |= {"now": now, "limit": limit, "offset": offset, "kind": kind, "owner_id": owner_id}
    query = _upcoming_statement(bool(owner_id), staff, bool(kind))
    rows = page_rows(session, query, values)
    if not owner_id:
        return [_event_row(row, None, False) for row in rows]
    return [_event_row(row, row[8], bool(row[9])) for row in rows]


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
        _VISIBLE,
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


@dataclass(frozen=True, slots=True)
class EventFacts:
    """An event as its page shows it to one viewer: the columns the page, the RSVP box and the
    rules they ask read, as plain values (no ORM object: the page reads one on every view).
    Its worked-out values are the model's own properties."""

    id: int
    title: str
    kind: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_taken: int
    guests_allowed: int
    ask_guest_names: bool
    rsvp_opens_at: datetime | None
    rsvp_closes_at: datetime | None
    audience: str
    early_access_days: int
    target_make: str | None
    target_model: str | None
    target_year_from: int | None
    target_year_to: int | None
    status: str
    cancel_message: str | None

    kind_label = Event.kind_label
    seats_left = Event.seats_left
    is_cancelled = Event.is_cancelled
    has_target = Event.has_target
    target_label = Event.target_label


@dataclass(frozen=True, slots=True)
class RsvpFacts:
    """The viewer's RSVP as the event page shows it, as plain values (see `EventFacts`)."""

    id: int
    status: str
    guests: int
    via_reward: bool
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    cancelled_from: str | None

    seats = Rsvp.seats
    holds_seat = Rsvp.holds_seat


#: The columns of `EventFacts` and `RsvpFacts`, in their fields' order.
_EVENT_FACTS = tuple(getattr(Event, name) for name in EventFacts.__dataclass_fields__)
_RSVP_FACTS = tuple(getattr(Rsvp, name) for name in RsvpFacts.__dataclass_fields__)


@dataclass
class EventPage:
    """One event for one viewer: their RSVP, place in the queue, and whether it suits them.

    The event and the RSVP are ORM objects for an action that changes them (`event_for_viewer`)
    and plain values for a page that only shows them (`event_page`)."""

    event: Event | EventFacts
    rsvp: Rsvp | RsvpFacts | None
    position: int | None
    for_my_car: bool
    #: Whether the event asks a registration question now (the RSVP form reads them only then).
    asks_questions: bool = True


#: Whether an event asks any question now: most ask none, and their page reads none.
_ASKS_QUESTIONS = exists().where(
    EventQuestion.event_id == Event.id, EventQuestion.retired_at.is_(None)
)


@cache
def _event_statement(signed_in: bool, staff: bool, as_columns: bool = False) -> Select:
    """Built once per kind of viewer: one event with the viewer's RSVP and queue place, as
    the event and RSVP objects or (`as_columns`) as the columns of `EventFacts` and
    `RsvpFacts`."""
    owner_id = bindparam("owner_id") if signed_in else None
    suits = suits_vehicle_condition(owner_id) if signed_in else false()
    position = _position_subquery(owner_id)
    entities = (*_EVENT_FACTS, *_RSVP_FACTS) if as_columns else (Event, Rsvp)
    return (
        select(*entities, case((suits, 1), else_=0), position.c.position, _ASKS_QUESTIONS)
        .select_from(Event)
        .where(Event.id == bindparam("event_id"), true() if staff else _VISIBLE)
        .outerjoin(
            Rsvp,
            and_(Rsvp.event_id == Event.id, Rsvp.user_id == owner_id) if signed_in else false(),
        )
        .outerjoin(position, position.c.rsvp_id == Rsvp.id)
    )


def event_for_viewer(session: Session, user, event_id: int) -> EventPage | None:
    """The event if this person may see it, with their RSVP, queue place and whether it asks
    any question (one query), as ORM objects: for an action that changes them."""
    owner_id, staff, values = _viewer(user)
    values |= {"event_id": event_id, "owner_id": owner_id}
    row = session.execute(_event_statement(bool(owner_id), staff), values).first()
    if row is None:
        return None
    event, rsvp, match, place, asks = row
    return EventPage(event, rsvp, place, bool(match), bool(asks))


_EVENT_WIDTH, _RSVP_WIDTH = len(_EVENT_FACTS), len(_RSVP_FACTS)


def event_page(session: Session, user, event_id: int) -> EventPage | None:
    """`event_for_viewer` for a page that only shows the event: the same one query, read as
    plain columns (`EventFacts`, `RsvpFacts`)."""
    owner_id, staff, values = _viewer(user)
    values |= {"event_id": event_id, "owner_id": owner_id}
    statement = _event_statement(bool(owner_id), staff, as_columns=True)
    row = page_rows(session, statement, values).first()
    if row is None:
        return None
    event = EventFacts(*row[:_EVENT_WIDTH])
    rsvp_end = _EVENT_WIDTH + _RSVP_WIDTH
    rsvp = RsvpFacts(*row[_EVENT_WIDTH:rsvp_end]) if row[_EVENT_WIDTH] is not None else None
    match, place, asks = row[rsvp_end:]
    return EventPage(event, rsvp, place, bool(match), bool(asks))


def _position_subquery(owner_id: int | None):
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
    position = _position_subquery(user.id)
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


def next_events(session: Session, user: User, now: datetime, limit: int = 3) -> list[Row]:
    """The owner's next few events with a seat or a waitlist place (home page), one query:
    plain rows of (rsvp id, its status, event id, title, location, start). Only published
    events, so none is cancelled."""
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
