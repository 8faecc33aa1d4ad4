"""Messages a coordinator sends to one event's attendees: a preview first, then one send.

The audience is a rule (confirmed seats, the waitlist, or both; cancelled RSVPs never),
worked out again when the coordinator confirms. Every owner in it gets the message in their
inbox; it goes by email or text only to those who chose that and agreed to event messages,
as the day-before reminder does. The preview hands out a one-time claim: sending inserts it
with the `EventMessage` row, so a double submit or a retried request sends nothing twice,
and each owner's copy is claimed under its own key in the notification queue. Email and text
go out with `flask notify run`, so a large audience never holds the coordinator's page.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.events.models import Event, EventMessage, Rsvp, RsvpStatus
from portal.events.rules import spoken_when
from portal.notifications.dispatch import take_queued
from portal.notifications.models import ContactChannel
from portal.notifications.services import Consent, Message, goes_out, notify_many

#: The kind of message each owner's copy is, in the queue and the delivery log.
KIND = "event_message"
#: The preview names this many of the owners, in name order.
SAMPLE_SIZE = 10
#: The event's staff page lists this many of its latest messages.
HISTORY_SIZE = 20


class Audience(StrEnum):
    """Whose RSVPs a message reaches."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    BOTH = "both"


#: The RSVP states in each audience; cancelled RSVPs are in none. Attendees already checked
#: in hold their seat, so they count as confirmed (a "thank you for coming" reaches them).
AUDIENCE_STATUSES = {
    Audience.CONFIRMED: (RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED),
    Audience.WAITLISTED: (RsvpStatus.WAITLISTED,),
    Audience.BOTH: (RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED, RsvpStatus.WAITLISTED),
}

#: How the coordinator's pages name each audience.
AUDIENCE_LABELS = {
    Audience.CONFIRMED: "Confirmed (checked-in included)",
    Audience.WAITLISTED: "Waitlisted",
    Audience.BOTH: "Confirmed and waitlisted",
}


def new_claim() -> str:
    """A one-time token for one preview: 192 random bits, 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


def _tidy(text: str) -> str:
    """The coordinator's text with the browser's CRLF line breaks made plain, ends trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _recipients(session: Session, event: Event, audience: Audience) -> list[tuple[Rsvp, User]]:
    """The audience's RSVPs with their owners, active accounts only, in name order."""
    rows = session.execute(
        select(Rsvp, User)
        .join(User, User.id == Rsvp.user_id)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.status.in_(AUDIENCE_STATUSES[audience]),
            User.deactivated_at.is_(None),
        )
        .order_by(func.lower(User.name), User.id)
    ).all()
    return [(rsvp, user) for rsvp, user in rows]


def _why(event: Event, rsvp: Rsvp, tz: str) -> str:
    """Why this owner has the message, and where to look next."""
    when = f"{event.title} ({spoken_when(event.starts_at, event.ends_at, tz)}, {event.location})"
    if rsvp.status == RsvpStatus.WAITLISTED:
        return (
            f"You have this message because you're on the waitlist for {when}. "
            "The event page shows your place in the queue."
        )
    return (
        f"You have this message because you have a place at {when}. "
        "Your ticket and the latest details are on the event page."
    )


def attendee_message(
    event: Event,
    rsvp: Rsvp,
    user: User,
    *,
    subject: str,
    body: str,
    tz: str,
    event_url: str,
    message_id: int | None = None,
) -> Message:
    """One owner's copy: their name, the coordinator's words, and why it reached them."""
    return Message(
        user=user,
        key=f"event:{event.id}:message:{message_id}:{user.id}",
        kind=KIND,
        subject=subject,
        body=f"Hello {user.first_name},\n\n{_tidy(body)}\n\n{_why(event, rsvp, tz)}",
        action_path=event_url,
        action_label="See the event",
        # About a booking the owner made, so never folded into a digest; by email or text
        # only for owners who agreed to event messages, like the day-before reminder.
        budgeted=False,
        channel_consent=Consent.EVENT_INVITES,
    )


@dataclass(frozen=True)
class BroadcastPreview:
    """What sending would do now: how many owners, by which channel, a sample, one copy."""

    count: int
    by_email: int
    by_text: int
    sample: list[User]
    message: Message | None

    @property
    def more(self) -> int:
        """Owners beyond the named sample."""
        return self.count - len(self.sample)


def preview_broadcast(
    session: Session,
    event: Event,
    *,
    audience: Audience,
    subject: str,
    body: str,
    tz: str,
    event_url: str,
) -> BroadcastPreview:
    """Who the message would reach now, on which channels, and what they'd read; sends
    nothing (one query)."""
    rows = _recipients(session, event, audience)
    channels = [user.preferred_channel for _, user in rows if goes_out(user, Consent.EVENT_INVITES)]
    message = None
    if rows:
        rsvp, user = rows[0]
        message = attendee_message(
            event, rsvp, user, subject=subject, body=body, tz=tz, event_url=event_url
        )
    return BroadcastPreview(
        count=len(rows),
        by_email=channels.count(ContactChannel.EMAIL),
        by_text=channels.count(ContactChannel.SMS),
        sample=[user for _, user in rows[:SAMPLE_SIZE]],
        message=message,
    )


@dataclass(frozen=True)
class BroadcastOutcome:
    """What sending did: the message's record, the copies queued, or that it was sent before."""

    message: EventMessage
    notification_ids: list[int]
    already_sent: bool = False


def _claimed(session: Session, values: dict) -> int | None:
    """Insert the message's record under its claim; its id, or None when already claimed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EventMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["claim"])
        .returning(EventMessage.id)
    )
    return session.scalar(statement)


def _sent_before(session: Session, event: Event, claim: str) -> BroadcastOutcome | None:
    earlier = session.scalar(select(EventMessage).where(EventMessage.claim == claim))
    if earlier is None:
        return None
    if earlier.event_id != event.id:
        raise ServiceError("That preview belongs to another event; please preview again.")
    return BroadcastOutcome(earlier, [], already_sent=True)


def send_to_attendees(
    session: Session,
    event: Event,
    *,
    sender: User,
    audience: Audience,
    subject: str,
    body: str,
    claim: str,
    now: datetime,
    tz: str,
    event_url: str,
) -> BroadcastOutcome:
    """Queue the message for everyone in the audience now, once per claim.

    Each copy reaches the inbox at once; email and text wait for `flask notify run` (the
    queued ids are taken off the transaction's send list).
    """
    earlier = _sent_before(session, event, claim)
    if earlier is not None:
        return earlier
    rows = _recipients(session, event, audience)
    if not rows:
        raise ServiceError("Nobody is in that audience now, so nothing was sent.", field="audience")
    message_id = _claimed(
        session,
        {
            "event_id": event.id,
            "sender_id": sender.id,
            "audience": audience.value,
            "subject": subject.strip(),
            "body": _tidy(body),
            "recipients": len(rows),
            "claim": claim,
            "created_at": now,
        },
    )
    if message_id is None:  # the same preview, sent a moment ago by a concurrent request
        return _sent_before(session, event, claim)
    copies = [
        attendee_message(
            event,
            rsvp,
            user,
            subject=subject,
            body=body,
            tz=tz,
            event_url=event_url,
            message_id=message_id,
        )
        for rsvp, user in rows
    ]
    ids = notify_many(session, copies, now)
    take_queued(session)
    return BroadcastOutcome(session.get(EventMessage, message_id), ids)


#: Built once: the event's page lists the history on every visit.
_SENT_MESSAGES = (
    select(EventMessage)
    .options(joinedload(EventMessage.sender))
    .where(EventMessage.event_id == bindparam("event_id"))
    .order_by(EventMessage.created_at.desc(), EventMessage.id.desc())
    .limit(HISTORY_SIZE)
)


def sent_messages(session: Session, event: Event) -> list[EventMessage]:
    """The event's latest messages to its attendees, newest first, with their senders."""
    return list(session.scalars(_SENT_MESSAGES, {"event_id": event.id}))
