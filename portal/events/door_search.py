"""The door's reads: find an attendee by name, email, ticket number or scanned ticket code,
and count who has arrived of those expected."""

import re
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.queries import Attendee
from portal.security import hash_token

#: The door's search shows at most this many people at once.
DOOR_RESULTS = 20
#: At the door: who is still to come first, then who is in, then those without a seat.
_DOOR_ORDER = case(
    (Rsvp.status == RsvpStatus.CONFIRMED, 0),
    (Rsvp.status == RsvpStatus.ATTENDED, 1),
    (Rsvp.status == RsvpStatus.WAITLISTED, 2),
    else_=3,
)


#: An owner's name and email, or a visitor's (their RSVP keeps them).
_NAME = func.coalesce(User.name, Rsvp.guest_name)
_EMAIL = func.coalesce(User.email, Rsvp.guest_email)


@dataclass
class DoorSearch:
    """What the door's search found: up to DOOR_RESULTS people, and whether there were more."""

    rows: list[Attendee]
    more: bool
    #: A ticket code that belongs to another event (scanned at the wrong door).
    elsewhere: Event | None = None


def door_search(session: Session, event: Event, text: str) -> DoorSearch:
    """The event's RSVPs matching a ticket code, a ticket number, or every word of `text` in
    a name or email; with no text, those still to come. Two queries at most."""
    code = ticket_code_in(text)
    statement = (
        select(Rsvp, User)
        .outerjoin(User, User.id == Rsvp.user_id)  # visitors' RSVPs have no account
        .where(Rsvp.event_id == event.id)
        .order_by(_DOOR_ORDER, func.lower(_NAME), Rsvp.id)
        .limit(DOOR_RESULTS + 1)
    )
    if code:
        statement = statement.where(Rsvp.ticket_hash == hash_token(code))
    elif text.strip():
        statement = statement.where(*search_words(text))
    else:
        statement = statement.where(Rsvp.status == RsvpStatus.CONFIRMED)
    rows = [Attendee(rsvp, user or rsvp.person, None) for rsvp, user in session.execute(statement)]
    elsewhere = None
    if code and not rows:
        elsewhere = session.scalar(
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(Rsvp.ticket_hash == hash_token(code))
        )
    return DoorSearch(rows[:DOOR_RESULTS], len(rows) > DOOR_RESULTS, elsewhere)


def ticket_code_in(text: str) -> str | None:
    """The ticket code in what was typed or scanned: a code, or a ticket link holding one."""
    text = text.strip()
    if "/checkin/" in text:
        text = text.rsplit("/checkin/", 1)[1].split("?")[0].split("#")[0].strip("/")
    return text if TICKET_CODE.fullmatch(text) else None


#: A ticket code: 43 URL-safe characters (256 bits); nothing a name or email looks like.
TICKET_CODE = re.compile(r"[A-Za-z0-9_-]{40,64}")


def search_words(text: str) -> list:
    """Every word in a name or an email; a ticket number ("No. 000123", "123") by itself.

    The door's search and the attendee list's find people the same way.
    """
    words = text.replace("No.", " ").split()[:6]
    if len(words) == 1 and words[0].isdigit() and len(words[0]) <= 9:
        return [or_(Rsvp.id == int(words[0]), _NAME.icontains(words[0], autoescape=True))]
    return [
        or_(
            _NAME.icontains(word, autoescape=True),
            _EMAIL.icontains(word, autoescape=True),
        )
        for word in words
    ]


def door_counts(session: Session, event_id: int) -> dict[str, int]:
    """Arrived and expected, in tickets and in people (guests counted), in one query."""
    holding = Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED])
    arrived = Rsvp.status == RsvpStatus.ATTENDED
    row = session.execute(
        select(
            func.count().filter(arrived),
            func.coalesce(func.sum(1 + Rsvp.arrived_guests).filter(arrived), 0),
            func.count().filter(holding),
            func.coalesce(func.sum(1 + Rsvp.guests).filter(holding), 0),
        ).where(Rsvp.event_id == event_id)
    ).one()
    return dict(zip(("tickets_in", "people_in", "tickets", "people"), row, strict=True))
