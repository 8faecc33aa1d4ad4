"""iCalendar files: one event to download, and an owner's personal feed."""

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from portal.events.models import Event, EventStatus

PRODID = "-//Owners Club portal//Events//EN"


def event_uid(event: Event) -> str:
    """A UID that stays the same however the event changes."""
    return f"event-{event.id}@owners-club"


def _vevent(event: Event, now: datetime, url: str | None) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", now.astimezone(UTC))
    # UTC instants (with a Z): never floating, right on both sides of a DST change.
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    entry.add("location", event.location)
    description = event.description
    if event.status == EventStatus.CANCELLED and event.cancel_message:
        description = f"Cancelled: {event.cancel_message}\n\n{description}"
    entry.add("description", description)
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    entry.add("last-modified", event.updated_at.astimezone(UTC))
    if url:
        entry.add("url", url)
    return entry


def calendar_bytes(events: Iterable[tuple[Event, str | None]], now: datetime, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per (event, its page URL)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event, url in events:
        calendar.add_component(_vevent(event, now, url))
    return calendar.to_ical()
