"""The staff's attendee list: one page of an event's RSVPs, searched and filtered, with only
the columns the list shows, in a fixed number of statements however many people answered.

The order is the one coordinators read the list in: who is coming (by name), then the
waitlist in its queue order, then cancellations (by name). The database sorts and pages; the
waitlist places of the page's queued people come from one more statement.

The event's page reads the event with the list's counts in one statement (`event_page`), which
also says whether there are answers or sent messages to read at all.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, case, exists, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.db import read_connection
from portal.events.door_search import search_words
from portal.events.models import (
    SEAT_HOLDING,
    Event,
    EventMessage,
    Rsvp,
    RsvpStatus,
)
from portal.events.queries import waitlist_positions
from portal.events.question_models import EventQuestion
from portal.events.rules import waitlist_order
from portal.paging import ListPage, PagedSelect

#: The list's filters: {name in the URL: (label, the statuses it shows)}; the first is all.
FILTERS = {
    "all": ("Everyone", tuple(RsvpStatus)),
    "coming": ("Coming", SEAT_HOLDING),
    "arrived": ("Checked in", (RsvpStatus.ATTENDED,)),
    "waitlist": ("Waitlist", (RsvpStatus.WAITLISTED,)),
    "cancelled": ("Cancelled", (RsvpStatus.CANCELLED,)),
}


def chosen_filter(name: str | None) -> str:
    """The filter a request names, or "all" when it names none we have."""
    return name if name in FILTERS else "all"


def filter_counts(counts: dict[str, int]) -> dict[str, int]:
    """{filter: RSVPs it shows}, from the event's {status: RSVPs} (no query)."""
    return {
        name: sum(counts.get(status, 0) for status in statuses)
        for name, (_, statuses) in FILTERS.items()
    }


@dataclass(frozen=True, slots=True)
class EventPage:
    """The event a staff page is about, with what the rest of the page's statements need."""

    event: Event
    #: {status: the event's RSVPs in it}, for every status.
    counts: dict[str, int]
    #: Whether the event asks (or once asked) a question: if not, there are no answers to read.
    asks: bool
    #: Whether a message went to its attendees: if not, there is no history to read.
    messaged: bool


def _rsvps_in(status: str):
    return (
        select(func.count())
        .where(Rsvp.event_id == Event.id, Rsvp.status == status)
        .scalar_subquery()
    )


#: The event, whether it has questions and messages, and its RSVPs by status (built once).
_EVENT_PAGE = select(
    Event,
    exists().where(EventQuestion.event_id == Event.id),
    exists().where(EventMessage.event_id == Event.id),
    *(_rsvps_in(status) for status in RsvpStatus),
).where(Event.id == bindparam("event_id"))


def event_page(session: Session, event_id: int) -> EventPage | None:
    """The event (None if there is none) with its counts and what it has to show; one
    statement, in place of a count of RSVPs, its questions and its messages when it has none."""
    found = session.execute(_EVENT_PAGE, {"event_id": event_id}).first()
    if found is None:
        return None
    event, asks, messaged, *numbers = found
    counts = {status.value: number for status, number in zip(RsvpStatus, numbers, strict=True)}
    return EventPage(event, counts, bool(asks), bool(messaged))


class AttendeeRow(NamedTuple):
    """One row of the staff's attendee list as plain values, which the template unpacks: a
    lookup per value would cost more than drawing it."""

    id: int
    status: str
    guests: int
    checked_in_at: datetime | None
    #: A seat given as a reward, while it is held.
    vip_seat: bool
    #: A visitor's RSVP (a prospect without an account).
    is_guest: bool
    name: str
    email: str
    #: The place in the queue, for a waitlisted RSVP.
    position: int | None


def attendee_row(rsvp: Rsvp, position: int | None = None) -> AttendeeRow:
    """An RSVP's row on the list, from the RSVP itself (as a check-in answers with it)."""
    person = rsvp.person
    vip_seat = rsvp.via_reward and rsvp.holds_seat
    return AttendeeRow(
        rsvp.id,
        rsvp.status,
        rsvp.guests,
        rsvp.checked_in_at,
        vip_seat,
        rsvp.is_guest,
        person.name,
        person.email,
        position,
    )


_WAITING = Rsvp.status == RsvpStatus.WAITLISTED
#: Who is coming first, then the queue, then cancellations.
_GROUP = case(
    (Rsvp.status.in_(SEAT_HOLDING), 0),
    (_WAITING, 1),
    else_=2,
)
_NAME = func.coalesce(User.name, Rsvp.guest_name)
_EMAIL = func.coalesce(User.email, Rsvp.guest_email)


def _order() -> list:
    """The group, then the queue's own order for the waitlist, then name (and id)."""
    queue = [case((_WAITING, term)) for term in waitlist_order()]
    return [_GROUP, *queue, _NAME, Rsvp.id]


#: The list: the event's RSVPs in the chosen statuses, in the list's order (built once).
_LISTING = (
    select(
        Rsvp.id,
        Rsvp.status,
        Rsvp.guests,
        Rsvp.checked_in_at,
        Rsvp.via_reward,
        Rsvp.user_id,
        _NAME,
        _EMAIL,
    )
    .join(Event, Event.id == Rsvp.event_id)  # the waitlist's order reads its priority
    .outerjoin(User, User.id == Rsvp.user_id)  # visitors' RSVPs have no account
    .where(
        Rsvp.event_id == bindparam("event_id"),
        Rsvp.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(*_order())
)
_UNSEARCHED = PagedSelect(_LISTING, rows=True)


def attendee_page(
    session: Session,
    event: Event,
    text: str,
    shown: str,
    page: int,
    per_page: int,
    total: int,
) -> ListPage:
    """One page of the event's attendees (`AttendeeRow`s) matching every word of `text` in a
    name or email (or a ticket number) and the filter; two statements, and a count for a
    search (without one, `total` is the filter's, from the counts the page shows).

    The list's statements run on the table, as plain rows: the ORM adds only its cost to
    them (as much again as the sorted page itself)."""
    values = {"event_id": event.id, "statuses": list(FILTERS[shown][1])}
    connection = read_connection(session)  # flushed first: an RSVP added is listed
    if text:
        listing = PagedSelect(_LISTING.where(*search_words(text)), rows=True)
        found = listing.page_of(connection, values, page, per_page)
    else:
        found = _UNSEARCHED.page_of(connection, values, page, per_page, total=total)
    waiting = [row[0] for row in found.items if row[1] == RsvpStatus.WAITLISTED]
    positions = waitlist_positions(session, waiting)
    items = [
        AttendeeRow(
            rsvp_id,
            status,
            guests,
            checked_in_at,
            via_reward and status in SEAT_HOLDING,
            user_id is None,
            name or "",
            email or "",
            positions.get(rsvp_id),
        )
        for rsvp_id, status, guests, checked_in_at, via_reward, user_id, name, email in found.items
    ]
    return ListPage(items, found.page, found.per_page, found.total, found.exact)
