"""The event's calendar file, attached to the emails about it as they are sent.

Built at send time from the event as it is then (its latest SEQUENCE, time and place), so a
queued message stays a row of text and a late retry never carries stale details. Installed
on the app by kind of message (`portal.notifications.dispatch.install_attachments`).
"""

import re

from flask import current_app, url_for
from sqlalchemy.orm import Session

from portal import clock
from portal.dealership.queries import dealership_profile
from portal.events.calendars import calendar_bytes, uid_domain
from portal.events.models import Event
from portal.events.rules import event_id_from_key
from portal.events.services.messages import CONFIRMED
from portal.extensions import db
from portal.mail import Attachment
from portal.notifications.models import Notification

#: Messages that carry the event: a seat confirmed or won from the waitlist, new details,
#: a cancellation (a calendar that imported the file updates its entry from the same UID).
KINDS_WITH_CALENDAR_FILE = (CONFIRMED, "event_promoted", "event_changed", "event_cancelled")


def _file_name(title: str) -> str:
    return (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "event") + ".ics"


def event_calendar_file(notification: Notification, shared: dict) -> list[Attachment]:
    """The event the message is about as an `.ics` file; nothing if the event is gone.

    Read in a short session of its own, so no transaction stays open while mail goes out;
    one reading per event per dispatch run (`shared`).
    """
    event_id = event_id_from_key(notification.key)
    if event_id is None:
        return []
    cache_key = ("event-calendar-file", event_id)
    if cache_key not in shared:
        with Session(db.engine) as reader:
            event = reader.get(Event, event_id)
            shared[cache_key] = event and Attachment(
                _file_name(event.title),
                calendar_bytes(
                    [(event, url_for("events.show", event_id=event.id, _external=True))],
                    clock.now(),
                    f"{dealership_profile(reader)['name']} Owners Club",
                    uid_domain(current_app.config["PORTAL_BASE_URL"]),
                ),
                "text",
                "calendar",
                {"method": "PUBLISH", "charset": "utf-8"},
            )
    attachment = shared[cache_key]
    return [attachment] if attachment else []


#: What `install_attachments` is given: the builder for each kind of event message.
ATTACHMENTS = dict.fromkeys(KINDS_WITH_CALENDAR_FILE, event_calendar_file)
