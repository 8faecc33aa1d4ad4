"""The event's calendar file, attached to the emails about it as they are sent.

Built at send time from the event as it is then (its latest SEQUENCE, time and place), so a
queued message stays a row of text and a late retry never carries stale details. Installed
on the app by kind of message (`portal.notifications.dispatch.install_attachments`).
"""

import re

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.dealership.queries import dealership_profile
from portal.events.calendars import calendar_bytes, uid_domain
from portal.events.models import SEAT_HOLDING, Event, Rsvp
from portal.events.rules import event_id_from_key
from portal.events.services.messages import CONFIRMED
from portal.extensions import db
from portal.mail import Attachment
from portal.notifications.models import Notification

#: Messages that carry the event: a seat confirmed or won from the waitlist, new details,
#: a cancellation (a calendar that imported the file updates its entry from the same UID).
#: Only owners holding a seat get the file: the waitlist hears of changes without it.
KINDS_WITH_CALENDAR_FILE = (CONFIRMED, "event_promoted", "event_changed", "event_cancelled")


def _file_name(title: str) -> str:
    return (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "event") + ".ics"


def _read(event_id: int) -> tuple[Attachment | None, set[int]]:
    """The event's file and the owners holding a seat, read in a short session of its own."""
    with Session(db.engine) as reader:
        event = reader.get(Event, event_id)
        if event is None:
            return None, set()
        holders = set(
            reader.scalars(
                select(Rsvp.user_id).where(Rsvp.event_id == event_id, Rsvp.status.in_(SEAT_HOLDING))
            )
        )
        body = calendar_bytes(
            [(event, url_for("events.show", event_id=event.id, _external=True))],
            clock.now(),
            f"{dealership_profile(reader)['name']} Owners Club",
            uid_domain(current_app.config["PORTAL_BASE_URL"]),
        )
        calendar_type = {"method": "PUBLISH", "charset": "utf-8"}
        return Attachment(_file_name(event.title), body, "text", "calendar", calendar_type), holders


def event_calendar_file(notification: Notification, shared: dict) -> list[Attachment]:
    """The event the message is about as an `.ics` file, for an owner holding a seat at it.

    Read once per event per dispatch run (`shared`), before the batch's mail goes out.
    """
    event_id = event_id_from_key(notification.key)
    if event_id is None:
        return []
    cache_key = ("event-calendar-file", event_id)
    if cache_key not in shared:
        shared[cache_key] = _read(event_id)
    attachment, holders = shared[cache_key]
    return [attachment] if attachment and notification.user_id in holders else []


#: What `install_attachments` is given: the builder for each kind of event message.
ATTACHMENTS = dict.fromkeys(KINDS_WITH_CALENDAR_FILE, event_calendar_file)
