"""Other domains' entries in an owner's calendar feed, installed on the app from above.

Events sit below the domains whose dated things belong in the owner's calendar (the
service lane's bookings), so those domains register a source here
(`install_feed_sources`, called by the app factory) instead of events importing them. A
source gives the owner's entries, and a select of the rows they are made of in the shape of
`stamp_columns`: the feed's change stamp (`portal.events.feed`) reads those rows with its
own, so that it changes whenever one of the source's entries would.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, Select, String, cast, func, literal
from sqlalchemy.orm import Session

from portal.events.calendars import TimedEntry

#: Where the app keeps the sources.
FEED_SOURCES = "portal.calendar_feed_sources"


@dataclass(frozen=True)
class FeedSource:
    """One domain's entries in the owner's feed, and what they are made of."""

    #: (session, owner's id, now) -> the owner's entries.
    entries: Callable[[Session, int, datetime], list[TimedEntry]]
    #: (the owner's id, as an SQL expression) -> a select of `stamp_columns` rows: one per
    #: thing the entries are made of, carrying its time of change and every value an entry
    #: shows that the time might not cover. Rows for every day the feed may show them: the
    #: stamp holds the day as well, so rows that drop out as days pass need no filter here.
    versions: Callable[[ColumnElement[int]], Select]


def stamp_columns(part: str, key: ColumnElement[int], *values: ColumnElement) -> tuple:
    """The three columns of one row of the feed's stamp: what it is (a name unique to the
    part, such as "service booking"), its id, and its values run together as text."""
    version: ColumnElement[str] = literal("", String)
    for value in values:
        version = version + "|" + func.coalesce(cast(value, String), "~")
    return literal(part, String).label("part"), key.label("key"), version.label("version")


def install_feed_sources(app, sources: Iterable[FeedSource]) -> None:
    """Give the app the feed sources of the domains above events."""
    app.extensions[FEED_SOURCES] = tuple(sources)


def installed_sources() -> tuple[FeedSource, ...]:
    """The sources the app was given."""
    return current_app.extensions.get(FEED_SOURCES, ())


def extra_entries(session: Session, user_id: int, now: datetime) -> list[TimedEntry]:
    """Every installed source's entries for this owner."""
    sources = installed_sources()
    return [entry for source in sources for entry in source.entries(session, user_id, now)]
