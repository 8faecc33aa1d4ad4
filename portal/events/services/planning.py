"""Running events: create, edit, publish, cancel, change capacity (invitations: `invitations`)."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.events.guest_mail import tell_guests
from portal.events.models import Audience, Event, EventStatus, Rsvp, RsvpStatus
from portal.events.services.rsvps import promote_waitlist
from portal.notifications.services import Message, notify_many

#: Fields a coordinator edits directly (capacity goes through `set_capacity`).
EDITABLE = (
    "title",
    "kind",
    "description",
    "location",
    "starts_at",
    "ends_at",
    "guests_allowed",
    "rsvp_opens_at",
    "rsvp_closes_at",
    "audience",
    "early_access_days",
    "ambassador_priority",
    "target_make",
    "target_model",
    "target_year_from",
    "target_year_to",
)
#: Changes owners with an RSVP are told about.
NOTIFIED_CHANGES = ("starts_at", "ends_at", "location")
#: The times a coordinator enters as wall-clock times at the dealership.
LOCAL_TIMES = ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at")


def local_to_utc(value: datetime, tz: str) -> datetime:
    """A wall-clock time in the dealership's zone as aware UTC; refuses times that never occur."""
    zone = ZoneInfo(tz)
    aware = value.replace(tzinfo=zone)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != value:
        raise ServiceError(
            f"{value:%-I:%M %p} does not exist on {value:%-d %b %Y}: the clocks go forward "
            "that night. Choose a time an hour later."
        )
    return as_utc


def utc_to_local(value: datetime | None, tz: str) -> datetime | None:
    """An aware UTC time as the naive wall-clock time a form shows."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


@dataclass
class EventDetails:
    """What a coordinator enters for an event; times are aware UTC."""

    title: str
    kind: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    guests_allowed: int = 0
    rsvp_opens_at: datetime | None = None
    rsvp_closes_at: datetime | None = None
    audience: str = Audience.OWNERS
    early_access_days: int = 0
    ambassador_priority: bool = False
    target_make: str | None = None
    target_model: str | None = None
    target_year_from: int | None = None
    target_year_to: int | None = None

    def checked(self) -> "EventDetails":
        """The details tidied, or a ServiceError naming the field that is wrong."""
        self.title = self.title.strip()
        self.target_make = (self.target_make or "").strip() or None
        self.target_model = (self.target_model or "").strip() or None
        if self.ends_at <= self.starts_at:
            raise ServiceError("The event must end after it starts.", field="ends_at")
        if self.capacity < 1:
            raise ServiceError("Capacity must be at least one seat.", field="capacity")
        if self.guests_allowed < 0:
            raise ServiceError("Guests can't be negative.", field="guests_allowed")
        if self.rsvp_closes_at and self.rsvp_closes_at > self.starts_at:
            raise ServiceError("RSVPs must close by the time the event starts.", "rsvp_closes_at")
        if self.rsvp_opens_at and self.rsvp_opens_at >= (self.rsvp_closes_at or self.starts_at):
            raise ServiceError("RSVPs must open before they close.", field="rsvp_opens_at")
        if self.early_access_days and not self.rsvp_opens_at:
            raise ServiceError(
                "Early access counts back from the RSVP opening time: set one.",
                field="rsvp_opens_at",
            )
        if self.early_access_days < 0:
            raise ServiceError("Early access can't be negative.", field="early_access_days")
        if (self.target_model or self.target_year_from or self.target_year_to) and not (
            self.target_make
        ):
            raise ServiceError("Name the make the event is for.", field="target_make")
        if (
            self.target_year_from
            and self.target_year_to
            and self.target_year_from > self.target_year_to
        ):
            raise ServiceError("The first model year comes before the last.", "target_year_to")
        return self


def details_from_local(values: Mapping[str, Any], tz: str) -> EventDetails:
    """Event details from what a coordinator typed, its times read in the dealership's zone.

    A time that never occurs there (the night the clocks go forward) is refused next to
    its own field.
    """
    entered = {item.name: values[item.name] for item in fields(EventDetails)}
    entered["description"] = entered["description"] or ""
    for name in LOCAL_TIMES:
        try:
            entered[name] = local_to_utc(entered[name], tz) if entered[name] else None
        except ServiceError as error:
            raise ServiceError(error.message, field=name) from error
    return EventDetails(**entered)


def create_event(session: Session, details: EventDetails, now: datetime) -> Event:
    """A draft event; owners see it once published."""
    details.checked()
    event = Event(status=EventStatus.DRAFT, capacity=details.capacity, seats_taken=0)
    for name in EDITABLE:
        setattr(event, name, getattr(details, name))
    session.add(event)
    session.flush()
    return event


def update_event(
    session: Session,
    event: Event,
    details: EventDetails,
    *,
    now: datetime,
    tz: str,
    secret_key: str,
    event_url: str,
) -> list[int]:
    """Save a coordinator's edit; calendars see a new SEQUENCE, owners hear of moves.

    Returns notification ids to dispatch after commit.
    """
    details.checked()
    notification_ids = set_capacity(
        session, event, details.capacity, now=now, secret_key=secret_key, event_url=event_url
    )
    moved = [name for name in NOTIFIED_CHANGES if getattr(event, name) != getattr(details, name)]
    for name in EDITABLE:
        setattr(event, name, getattr(details, name))
    event.sequence = Event.sequence + 1
    session.flush()
    session.refresh(event)
    if moved and event.status == EventStatus.PUBLISHED:
        notification_ids += _notify_change(session, event, now, tz, event_url)
    return notification_ids


def set_capacity(
    session: Session,
    event: Event,
    capacity: int,
    *,
    now: datetime,
    secret_key: str,
    event_url: str,
) -> list[int]:
    """Change capacity; raising it confirms waitlisted owners at once, lowering it below
    the seats already confirmed is refused."""
    if capacity == event.capacity:
        return []
    changed = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.seats_taken <= capacity)
        .values(capacity=capacity, sequence=Event.sequence + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(event, ["capacity", "seats_taken", "sequence"])
    if not changed:
        raise ServiceError(
            f"{event.seats_taken} seats are already confirmed (guests included), so capacity "
            f"can't go below {event.seats_taken}. Cancel RSVPs first if you need fewer seats.",
            field="capacity",
        )
    if event.status != EventStatus.PUBLISHED:
        return []
    return promote_waitlist(
        session, event=event, now=now, secret_key=secret_key, event_url=event_url
    )


def publish_event(session: Session, event: Event, now: datetime) -> None:
    """Open a draft to owners."""
    if event.status != EventStatus.DRAFT:
        raise ServiceError("Only a draft can be published.")
    event.status = EventStatus.PUBLISHED
    event.published_at = now
    event.sequence = Event.sequence + 1
    session.flush()
    session.refresh(event)


def _rsvped_users(session: Session, event: Event) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Rsvp, Rsvp.user_id == User.id)
            .where(
                Rsvp.event_id == event.id,
                Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
            )
            .order_by(User.id)
        )
    )


def cancel_event(
    session: Session, event: Event, message: str, *, now: datetime, tz: str, event_url: str
) -> list[int]:
    """Call the event off and tell everyone who RSVPed; returns notification ids."""
    if event.status == EventStatus.CANCELLED:
        raise ServiceError("This event is already cancelled.")
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    event.cancel_message = message.strip() or None
    event.sequence = Event.sequence + 1
    session.flush()
    session.refresh(event)
    messages = [
        Message(
            user=user,
            key=f"event:{event.id}:cancelled:{user.id}",
            kind="event_cancelled",
            subject=f"Cancelled: {event.title}",
            body=_cancellation_letter(event, user, tz),
            action_path=event_url,
            action_label="See other events",
        )
        for user in _rsvped_users(session, event)
    ]
    tell_guests(session, event, f"Cancelled: {event.title}", _cancellation_news(event, tz))
    return notify_many(session, messages, now)


def _cancellation_news(event: Event, tz: str) -> str:
    """What a visitor with a place hears when the event is called off."""
    news = (
        f"We're sorry: {event.title}, planned for {_when(event.starts_at, tz)}, "
        "has been cancelled, so your place is released."
    )
    return news + (f"\n\n{event.cancel_message}" if event.cancel_message else "")


def _cancellation_letter(event: Event, user: User, tz: str) -> str:
    body = (
        f"Hello {user.first_name},\n\n"
        f"We're sorry: {event.title}, planned for {_when(event.starts_at, tz)}, "
        "has been cancelled."
    )
    if event.cancel_message:
        body += f"\n\n{event.cancel_message}"
    return body + (
        "\n\nYour RSVP is released and the event will disappear from a subscribed "
        "calendar at its next refresh. We hope to see you at another event soon."
    )


def _when(value: datetime, tz: str) -> str:
    """'Sat 14 Mar 2026 at 10:00 AM EDT' in the dealership's time zone, with its abbreviation."""
    return value.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y at %-I:%M %p %Z")


def _notify_change(
    session: Session, event: Event, now: datetime, tz: str, event_url: str
) -> list[int]:
    messages = [
        Message(
            user=user,
            key=f"event:{event.id}:changed:{event.sequence}:{user.id}",
            kind="event_changed",
            subject=f"New details for {event.title}",
            body=(
                f"Hello {user.first_name},\n\n"
                f"{event.title} has new details: it now runs from {_when(event.starts_at, tz)} "
                f"at {event.location}.\n\n"
                "Your RSVP stands. If the new time doesn't suit you, you can cancel from the "
                "event page so someone on the waitlist can come."
            ),
            action_path=event_url,
            action_label="See the event",
        )
        for user in _rsvped_users(session, event)
    ]
    news = (
        f"{event.title} has new details: it now runs from {_when(event.starts_at, tz)} "
        f"at {event.location}. Your place stands."
    )
    tell_guests(session, event, f"New details for {event.title}", news)
    return notify_many(session, messages, now)
