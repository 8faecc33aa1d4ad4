"""Other domains' entries in an owner's calendar feed, installed on the app from above.

Events sit below the domains whose dated things belong in the owner's calendar (the
service lane's bookings), so those domains register a source here
(`install_feed_sources`, called by the app factory) instead of events importing them. A
source returns the owner's entries and the latest time any of them changed, so the feed's
Last-Modified stays right.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from portal.events.calendars import TimedEntry

#: Where the app keeps the sources.
FEED_SOURCES = "portal.calendar_feed_sources"

#: (session, owner's id, now) -> (entries, when the latest of them changed, or None)
FeedSource = Callable[[Session, int, datetime], tuple[list[TimedEntry], datetime | None]]


def install_feed_sources(app, sources: Iterable[FeedSource]) -> None:
    """Give the app the feed sources of the domains above events."""
    app.extensions[FEED_SOURCES] = list(sources)


def extra_entries(
    session: Session, user_id: int, now: datetime
) -> tuple[list[TimedEntry], list[datetime]]:
    """Every installed source's entries for this owner, and the times they last changed."""
    entries: list[TimedEntry] = []
    changed: list[datetime] = []
    for source in current_app.extensions.get(FEED_SOURCES, ()):
        found, latest = source(session, user_id, now)
        entries.extend(found)
        if latest is not None:
            changed.append(latest)
    return entries, changed
