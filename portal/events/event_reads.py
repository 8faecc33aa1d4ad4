"""One event as its page shows it to one viewer: their RSVP, queue place and whether it suits
their car, in one statement, as ORM objects for an action or as plain values for the page."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, exists, false, select, true
from sqlalchemy.orm import Session

from portal.db import page_rows
from portal.events.models import Event, Rsvp
from portal.events.queries import VISIBLE, position_subquery, viewer
from portal.events.question_models import EventQuestion
from portal.events.rules import suits_vehicle_condition


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
    position = position_subquery(owner_id)
    entities = (*_EVENT_FACTS, *_RSVP_FACTS) if as_columns else (Event, Rsvp)
    return (
        select(*entities, case((suits, 1), else_=0), position.c.position, _ASKS_QUESTIONS)
        .select_from(Event)
        .where(Event.id == bindparam("event_id"), true() if staff else VISIBLE)
        .outerjoin(
            Rsvp,
            and_(Rsvp.event_id == Event.id, Rsvp.user_id == owner_id) if signed_in else false(),
        )
        .outerjoin(position, position.c.rsvp_id == Rsvp.id)
    )


def event_for_viewer(session: Session, user, event_id: int) -> EventPage | None:
    """The event if this person may see it, with their RSVP, queue place and whether it asks
    any question (one query), as ORM objects: for an action that changes them."""
    owner_id, staff, values = viewer(user)
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
    owner_id, staff, values = viewer(user)
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
