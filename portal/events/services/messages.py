"""What owners going to an event hear from us: the confirmation, and a reminder the day before.

Both are claimed under a unique key like every message, so a double click, a re-run or two
hosts running `flask notify run` at once send each one once. The event's calendar file is
attached when the email is built (`portal.events.attachments`), not stored with the message.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import dealership_profile
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.rules import WHAT_TO_BRING, reminder_due_at, short_day, spoken_when
from portal.notifications.models import ContactChannel
from portal.notifications.services import Consent, Message, notify_many

#: Kinds of message, as stored on the notification (and matched to the calendar file).
CONFIRMED = "event_confirmed"
REMINDER = "event_reminder"


def _party(rsvp: Rsvp) -> str:
    """'you and 2 guests', or 'you'."""
    if not rsvp.guests:
        return "you"
    return f"you and {rsvp.guests} guest{'' if rsvp.guests == 1 else 's'}"


def _ticket_and_advice(event: Event) -> str:
    advice = WHAT_TO_BRING.get(event.kind, "")
    ticket = (
        "Your ticket is under My events: show it on your phone at the door (or print it) "
        "and we'll check you in."
    )
    return f"{advice} {ticket}".strip()


def confirm_rsvp(
    session: Session, *, rsvp: Rsvp, user: User, now: datetime, tz: str, event_url: str
) -> list[int]:
    """Tell the owner their seat is confirmed: when, where, what to bring, what next.

    A receipt of the owner's own request, so it needs no consent: it reaches the inbox, and
    their email or phone if that is how they chose to hear from us.
    """
    event = rsvp.event
    calendar = (
        "The calendar file attached to this email puts it in your calendar"
        if user.preferred_channel == ContactChannel.EMAIL
        else '"Add to calendar" on the event page puts it in your calendar'
    )
    body = (
        f"Hello {user.first_name},\n\n"
        f"Your place at {event.title} is confirmed"
        f"{f', for {_party(rsvp)}' if rsvp.guests else ''}. "
        f"It's on {spoken_when(event.starts_at, event.ends_at, tz)}, at {event.location}.\n\n"
        f"{_ticket_and_advice(event)}\n\n"
        f"{calendar}, and we'll send you a short reminder the day before. If your plans "
        "change, please cancel from the event page so someone else can have your seat."
    )
    message = Message(
        user=user,
        # One per confirmation: cancelling and coming back later confirms afresh.
        key=f"event:{event.id}:confirmed:{rsvp.id}:{rsvp.ticket_nonce[:12]}",
        kind=CONFIRMED,
        subject=f"You're booked: {event.title}, {short_day(event.starts_at, tz)}",
        body=body,
        action_path=event_url,
        action_label="See your ticket",
    )
    return notify_many(session, [message], now)


def reminder_moment(now: datetime, today, tz: str, at: time) -> datetime:
    """The moment reminders are worked out for: now, or with `--as-of` another day, as if
    run at the reminder time of that day."""
    zone = ZoneInfo(tz)
    if now.astimezone(zone).date() == today:
        return now
    return datetime.combine(today, at, tzinfo=zone).astimezone(now.tzinfo)


def queue_event_reminders(
    session: Session, *, today, now: datetime, event_path: Callable[[int], str]
) -> list[int]:
    """Claim the day-before reminder of every confirmed seat whose reminder time has come.

    A reminder is due from the dealership's reminder time on the day before the event until
    the event starts (a run that missed that day still reminds on the day). Waitlisted and
    cancelled RSVPs get none, nor does a seat confirmed after the reminder time (its
    confirmation just said it all). The key holds the event's date, so an event moved to
    another day reminds again for its new date, and only once for each.
    """
    settings = dealership_profile(session)
    tz = settings["timezone"]
    at = time.fromisoformat(settings["event_reminder_time"])
    moment = reminder_moment(now, today, tz, at)
    events = [
        event
        for event in session.scalars(
            select(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.starts_at > max(moment, now),
                Event.starts_at <= moment + timedelta(days=2),
            )
            .order_by(Event.starts_at, Event.id)
        )
        if reminder_due_at(event, tz, at) <= moment
    ]
    if not events:
        return []
    seats = session.execute(
        select(Rsvp, User)
        .join(User, User.id == Rsvp.user_id)
        .where(
            Rsvp.event_id.in_([event.id for event in events]),
            Rsvp.status == RsvpStatus.CONFIRMED,
        )
        .order_by(Rsvp.event_id, Rsvp.id)
    ).all()
    by_id = {event.id: event for event in events}
    messages = [
        _reminder(by_id[rsvp.event_id], rsvp, user, moment, tz, event_path(rsvp.event_id))
        for rsvp, user in seats
        if rsvp.confirmed_at is None
        or rsvp.confirmed_at < reminder_due_at(by_id[rsvp.event_id], tz, at)
    ]
    return notify_many(session, messages, now)


def _reminder(
    event: Event, rsvp: Rsvp, user: User, moment: datetime, tz: str, event_url: str
) -> Message:
    zone = ZoneInfo(tz)
    event_day = event.starts_at.astimezone(zone).date()
    relative = "today" if event_day == moment.astimezone(zone).date() else "tomorrow"
    body = (
        f"Hello {user.first_name},\n\n"
        f"A quick reminder: {event.title} is {relative}, "
        f"{spoken_when(event.starts_at, event.ends_at, tz)}, at {event.location}."
        f"{f' Your seats are for {_party(rsvp)}.' if rsvp.guests else ''}\n\n"
        f"{_ticket_and_advice(event)}\n\n"
        "If you can no longer come, please cancel from the event page so someone on the "
        "waitlist can have your seat. We look forward to seeing you."
    )
    return Message(
        user=user,
        key=f"event:{event.id}:reminder:{event_day.isoformat()}:{user.id}",
        kind=REMINDER,
        subject=f"See you {relative}: {event.title}",
        body=body,
        action_path=event_url,
        action_label="See your ticket",
        # Always in the inbox; by email or text only for owners who want event messages.
        channel_consent=Consent.EVENT_INVITES,
    )
