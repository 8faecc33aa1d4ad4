"""iCalendar files: one event to download or attach, and an owner's personal feed."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlsplit

from icalendar import Calendar, vDuration
from icalendar import Event as CalendarEvent

from portal.events.models import Event, EventStatus

PRODID = "-//Owners Club portal//Events//EN"
#: How often a subscribed calendar is asked to read the feed again.
FEED_REFRESH = timedelta(hours=1)


def uid_domain(base_url: str) -> str:
    """The host of the portal's address: every UID ends in it, so that two dealerships'
    events never collide in one calendar."""
    return (urlsplit(base_url).hostname or "localhost").lower()


def event_uid(event: Event, domain: str) -> str:
    """A UID that stays the same however the event changes."""
    return f"event-{event.id}@{domain}"


def reminder_uid(key: str, domain: str) -> str:
    """One UID per reminder key (written out whole, so two keys never share one)."""
    return f"reminder-{quote(key, safe=':-_.')}@{domain}"


@dataclass(frozen=True)
class ReminderEntry:
    """A reminder as an all-day entry: due soon on its due day, overdue on today."""

    key: str
    summary: str
    description: str
    due_on: date
    overdue: bool

    def day(self, today: date) -> date:
        """The day it shows on: an overdue reminder moves along with today, not into the past."""
        return today if self.overdue else self.due_on

    def sequence(self, today: date) -> int:
        """Bumped each day an overdue reminder moves, as calendars expect of a moved entry."""
        return (today - self.due_on).days if self.overdue else 0


@dataclass(frozen=True)
class TimedEntry:
    """Something at a set time that a domain above events puts in a calendar (a service
    booking): the same VEVENT shape as an event, built from plain values."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    url: str
    cancelled: bool
    changed_at: datetime


def _timed_vevent(item: TimedEntry, now: datetime) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", item.uid)
    entry.add("sequence", item.sequence)
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", item.starts_at.astimezone(UTC))
    entry.add("dtend", item.ends_at.astimezone(UTC))
    entry.add("summary", item.summary)
    entry.add("location", item.location)
    entry.add("description", f"{item.description}\n\n{item.url}")
    entry.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    entry.add("last-modified", item.changed_at.astimezone(UTC))
    entry.add("url", item.url)
    return entry


def _vevent(event: Event, now: datetime, url: str | None, domain: str) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", event_uid(event, domain))
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


def _reminder_vevent(
    reminder: ReminderEntry, today: date, now: datetime, url: str, domain: str
) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", reminder_uid(reminder.key, domain))
    entry.add("sequence", reminder.sequence(today))
    entry.add("dtstamp", now.astimezone(UTC))
    # A date, not a time: all-day entries are the one place every client reads floating
    # values the same way.
    day = reminder.day(today)
    entry.add("dtstart", day)
    entry.add("dtend", day + timedelta(days=1))
    entry.add("summary", reminder.summary)
    entry.add("description", f"{reminder.description}\n\n{url}")
    entry.add("transp", "TRANSPARENT")  # a reminder, not a busy time
    entry.add("url", url)
    return entry


def calendar_bytes(
    events: Iterable[tuple[Event, str | None]],
    now: datetime,
    name: str,
    domain: str,
    *,
    reminders: Sequence[ReminderEntry] = (),
    today: date | None = None,
    reminders_url: str = "",
    refresh: timedelta | None = None,
    entries: Sequence[TimedEntry] = (),
) -> bytes:
    """A VCALENDAR with one VEVENT per (event, its page URL), the timed `entries` of other
    domains, then the reminders given.

    `refresh` (for a subscribed feed) asks calendars to read it again that often.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for event, url in events:
        calendar.add_component(_vevent(event, now, url, domain))
    for item in entries:
        calendar.add_component(_timed_vevent(item, now))
    for reminder in reminders:
        calendar.add_component(
            _reminder_vevent(reminder, today or now.date(), now, reminders_url, domain)
        )
    return calendar.to_ical()
