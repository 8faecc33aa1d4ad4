"""Who may see an event, when an owner may RSVP to it, and the order of a waitlist."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, true

from portal.accounts.models import AMBASSADOR_LEVEL, User
from portal.events.models import Audience, Event, EventKind, EventStatus, Rsvp, RsvpStatus
from portal.garage.models import Vehicle


def is_ambassador(user: User | None) -> bool:
    """Ambassadors get early access, ambassador-only events and waitlist priority."""
    return user is not None and user.tier_level >= AMBASSADOR_LEVEL


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def audiences_for(user) -> list[str]:
    """The audiences whose events this person may see."""
    if not _signed_in(user):
        return [Audience.PUBLIC]
    if user.is_staff or is_ambassador(user):
        return [Audience.PUBLIC, Audience.OWNERS, Audience.AMBASSADORS]
    return [Audience.PUBLIC, Audience.OWNERS]


def visible_condition(user) -> ColumnElement[bool]:
    """SQL condition: events this person may open (staff also see drafts)."""
    if _signed_in(user) and user.is_staff:
        return true()
    return visible_to(audiences_for(user))


def visible_to(audiences) -> ColumnElement[bool]:
    """SQL condition: events open to these audiences (a list, or a bound parameter that
    expands to one); drafts never are."""
    return and_(
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
        Event.audience.in_(audiences),
    )


def can_see(event: Event, user) -> bool:
    """The same rule as `visible_condition`, for one loaded event."""
    if _signed_in(user) and user.is_staff:
        return True
    return event.status != EventStatus.DRAFT and event.audience in audiences_for(user)


def rsvp_opens_at(event: Event, user: User | None) -> datetime | None:
    """When this owner may first RSVP: ambassadors early by the event's early-access days."""
    if event.rsvp_opens_at is None:
        return None
    if event.early_access_days and is_ambassador(user):
        return event.rsvp_opens_at - timedelta(days=event.early_access_days)
    return event.rsvp_opens_at


def rsvp_closes_at(event: Event) -> datetime:
    """When RSVPs close: the coordinator's closing time, or the start of the event."""
    return event.rsvp_closes_at or event.starts_at


def rsvp_refusal(event: Event, user: User, now: datetime, tz: str) -> str | None:
    """Why this owner cannot RSVP right now, in words for them; None when they can."""
    local = ZoneInfo(tz)
    if user.is_staff:
        return "Team members run events rather than RSVP to them."
    if not can_see(event, user):
        return "This event is not open to you."
    if event.status == EventStatus.CANCELLED:
        return "This event has been cancelled, so it no longer takes RSVPs."
    if event.status != EventStatus.PUBLISHED:
        return "This event is not open for RSVPs yet."
    if now >= rsvp_closes_at(event):
        return "RSVPs for this event have closed."
    opens = rsvp_opens_at(event, user)
    if opens is not None and now < opens:
        when = opens.astimezone(local).strftime("%a %-d %b at %-I:%M %p %Z")
        return f"RSVPs open on {when}."
    return None


def rsvp_window(event: Event, user, now: datetime, tz: str) -> tuple[str | None, datetime | None]:
    """(why this person cannot RSVP now, when RSVPs open for them), for the RSVP box.

    A visitor who is not signed in is asked to sign in first, so nothing is refused yet.
    """
    if not _signed_in(user):
        return None, event.rsvp_opens_at
    return rsvp_refusal(event, user, now, tz), rsvp_opens_at(event, user)


def has_live_ticket(rsvp: Rsvp) -> bool:
    """The RSVP has a ticket that will open the door: a seat, at an event still on."""
    return bool(rsvp.holds_seat and rsvp.ticket_nonce and not rsvp.event.is_cancelled)


#: How long an owner may take back their own cancellation (while the seat is still free).
UNDO_CANCEL_WINDOW = timedelta(minutes=10)


def undo_cancel_until(rsvp: Rsvp) -> datetime | None:
    """Until when the owner may undo cancelling this RSVP; None when there is nothing to undo."""
    if rsvp.status != RsvpStatus.CANCELLED or not rsvp.cancelled_from or not rsvp.cancelled_at:
        return None
    return rsvp.cancelled_at + UNDO_CANCEL_WINDOW


def undo_cancel_offer(rsvp: Rsvp | None, event: Event, now: datetime) -> str | None:
    """What the RSVP box offers after the owner cancelled: "seat" (undo gets the seat back),
    "waitlist" (undo restores the place in the queue), "gone" (the seat was given away
    meanwhile: the waitlist is what is left), or None (nothing to undo, or too late)."""
    until = undo_cancel_until(rsvp) if rsvp is not None else None
    if until is None or now >= until or event.is_cancelled or now >= event.starts_at:
        return None
    if rsvp.cancelled_from == RsvpStatus.WAITLISTED:
        return "waitlist"
    return "seat" if event.seats_left >= rsvp.seats else "gone"


def invitation_note(sent: int, dropped: int, not_previewed: int) -> str:
    """What the coordinator reads after confirming invitations."""
    note = f"Invited {sent} owner{'' if sent == 1 else 's'}."
    if dropped == 1:
        note += " 1 owner from the preview has answered or can't be invited now, so was left out."
    elif dropped:
        note += (
            f" {dropped} owners from the preview have answered or can't be invited now, so "
            "were left out."
        )
    if not_previewed == 1:
        note += " 1 more owner matches now but wasn't in the preview: preview again to invite them."
    elif not_previewed:
        note += (
            f" {not_previewed} more owners match now but weren't in the preview: preview again "
            "to invite them."
        )
    return note


# --- Check-in at the door ----------------------------------------------------------------


def check_in_opens_at(event: Event, opens_hours: int) -> datetime:
    """When the team may first check people in: the set hours before the start."""
    return event.starts_at - timedelta(hours=opens_hours)


def check_in_closes_at(event: Event, tz: str) -> datetime:
    """When check-in (and undoing one) closes: midnight at the end of the event's last day,
    at the dealership."""
    zone = ZoneInfo(tz)
    last_day = event.ends_at.astimezone(zone).date()
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _local(moment: datetime, tz: str, pattern: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime(pattern)


def check_in_refusal(event: Event, now: datetime, tz: str, opens_hours: int) -> str | None:
    """Why nobody can be checked in to this event right now, in words for the team."""
    if event.status == EventStatus.CANCELLED:
        return f"{event.title} is cancelled, so nobody is checked in."
    if event.status != EventStatus.PUBLISHED:
        return f"{event.title} is not published, so nobody can be checked in yet."
    opens = check_in_opens_at(event, opens_hours)
    if now < opens:
        before = f"{opens_hours} hour{'' if opens_hours == 1 else 's'} before the start"
        when = _local(opens, tz, "%a %-d %b at %-I:%M %p %Z")
        return f"Check-in for {event.title} opens on {when}, {before}."
    if now >= check_in_closes_at(event, tz):
        day = _local(event.ends_at, tz, "%a %-d %b")
        return f"Check-in for {event.title} closed at the end of its day ({day})."
    return None


def checked_in_by_name(rsvp: Rsvp) -> str:
    """Who let the attendee in, as the team calls each other: a first name."""
    return rsvp.checked_in_by.first_name if rsvp.checked_in_by else "a former team member"


def already_checked_in_note(rsvp: Rsvp, tz: str) -> str:
    """'Priya Patel was already checked in at 6:02 PM EST by Dana.', for a second scan."""
    when = _local(rsvp.checked_in_at, tz, "%-I:%M %p %Z")
    return f"{rsvp.person.name} was already checked in at {when} by {checked_in_by_name(rsvp)}."


def checked_in_note(rsvp: Rsvp) -> str:
    """What the team reads once someone is in: who, and how many came with them."""
    guests = rsvp.arrived_guests or 0
    party = "" if not guests else f" with {guests} guest{'' if guests == 1 else 's'}"
    return f"{rsvp.person.name} is checked in{party}."


def no_seat_note(rsvp: Rsvp) -> str:
    """Why an RSVP without a seat cannot be checked in."""
    return f"{rsvp.person.name}'s RSVP is {rsvp.status}, so there's no seat to check in."


def suits_vehicle_condition(user_id: int) -> ColumnElement[bool]:
    """SQL condition: the event targets a car this owner has in their garage now."""
    return and_(
        Event.target_make.is_not(None),
        exists().where(
            Vehicle.owner_id == user_id,
            Vehicle.retired_at.is_(None),
            func.lower(Vehicle.make) == func.lower(Event.target_make),
            or_(
                Event.target_model.is_(None),
                func.lower(Vehicle.model) == func.lower(Event.target_model),
            ),
            or_(Event.target_year_from.is_(None), Vehicle.year >= Event.target_year_from),
            or_(Event.target_year_to.is_(None), Vehicle.year <= Event.target_year_to),
        ),
    )


def no_condition() -> ColumnElement[bool]:
    """A condition that holds for no row (anonymous visitors have no cars)."""
    return false()


def waitlist_order() -> list:
    """ORDER BY for a waitlist (needs Rsvp joined to Event and User): priority, then time."""
    priority = case(
        (and_(Event.ambassador_priority, User.tier_level >= AMBASSADOR_LEVEL), 0), else_=1
    )
    return [priority, Rsvp.waitlisted_at, Rsvp.id]


# --- What owners read about an event they are going to ---------------------------------

#: What to bring or do, by kind of event: the one line an attendee wants before they set off.
WHAT_TO_BRING = {
    EventKind.CLINIC: "Bring your car if you'd like our technicians to look at anything "
    "you've noticed, and any questions you have.",
    EventKind.LAUNCH: "If you'd like a test drive, bring your driving licence.",
    EventKind.MEET: "Bring your car along if you can: owners' meets are as much about the "
    "cars as the people.",
    EventKind.CHARITY: "If you'd like to give on the day, the event page says which cause "
    "it supports.",
    EventKind.VIP: "Your ticket is all you need at the door.",
}


def spoken_when(starts_at: datetime, ends_at: datetime, tz: str) -> str:
    """'Thursday 10 December 2026, 11:00 AM to 1:00 PM EST', in the dealership's zone."""
    zone = ZoneInfo(tz)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    day = f"{start:%A} {start.day} {start:%B %Y}"
    if start.date() == end.date():
        if start.tzname() == end.tzname():
            return f"{day}, {start:%-I:%M %p} to {end:%-I:%M %p %Z}"
        return f"{day}, {start:%-I:%M %p %Z} to {end:%-I:%M %p %Z}"
    return f"{day}, {start:%-I:%M %p %Z} to {end:%A} {end.day} {end:%B}, {end:%-I:%M %p %Z}"


def short_day(moment: datetime, tz: str) -> str:
    """'Thu 10 Dec', for a subject line."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b}"


def reminder_due_at(event: Event, tz: str, at: time) -> datetime:
    """When the day-before reminder goes out: the dealership's chosen time, the day before."""
    zone = ZoneInfo(tz)
    day_before = event.starts_at.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(day_before, at, tzinfo=zone).astimezone(UTC)


def event_id_from_key(key: str) -> int | None:
    """The event a message is about, from its key ("event:<id>:..."), or None."""
    prefix, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return int(number) if prefix == "event" and number.isdigit() else None
