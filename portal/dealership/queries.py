"""Reading dealership settings: a key nobody has set reads as its default.

A page asks for settings from several places (the header, the time zone, the reminder
rules, the tiers); the table holds a few dozen rows, so the first ask in a transaction reads
them all and the rest of the transaction reuses them. A signed-in page that only reads has
them already: the statement that loads the user carries them (`StoredSettingsColumn`).
Whatever ends the transaction, and a flush that writes a setting, forgets them, so a value
saved is read back as saved and the next request (or the next transaction of a long command)
reads afresh.
"""

from collections.abc import Mapping
from copy import deepcopy
from datetime import date
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import JSON, event, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from portal import clock
from portal.db import page_rows, read_once
from portal.dealership.models import Setting

#: By default an owner hears from us by email or text at most twice a week; the rest waits
#: for one digest (the portal inbox gets everything at once).
WEEKLY_MESSAGE_LIMIT = 2
#: By default the team may check people in to an event from two hours before it starts.
CHECK_IN_OPENS_HOURS = 2

#: Where a session keeps the settings read in its current transaction.
_READ = "portal.settings"


#: Built once, on the table: every page reads the settings, and the ORM adds nothing to
#: two plain columns but its cost (about four times the statement's own).
_ALL_SETTINGS = select(Setting.__table__.c.key, Setting.__table__.c.value)


#: The name a reading request keeps the settings under when it read them with the signed-in
#: user (`portal.db.read_once`).
STORED_SETTINGS = "stored_settings"


class StoredSettingsColumn(ColumnElement[dict]):
    """Every stored setting as one JSON object ({key: value}), a column another statement can
    carry: the statement that loads the signed-in user reads them, so a page spends no
    statement (on PostgreSQL, no round trip) of its own on them. Its values are the JSON the
    table holds, decoded as the table's own column decodes it."""

    type = JSON()
    #: Nothing varies: the class is the whole cache key, so a statement carrying it is cached.
    _traverse_internals = []


@compiles(StoredSettingsColumn, "sqlite")
def _settings_object_on_sqlite(element, compiler, **kw) -> str:
    # json() embeds each stored JSON text as JSON, not as a string.
    return "(SELECT json_group_object(settings.key, json(settings.value)) FROM settings)"


@compiles(StoredSettingsColumn, "postgresql")
def _settings_object_on_postgresql(element, compiler, **kw) -> str:
    # NULL when there are none, as the column reads for no rows.
    return "(SELECT json_object_agg(settings.key, settings.value) FROM settings)"


def stored_settings(session: Session) -> dict[str, Any]:
    """Every stored setting by key: one query per transaction, however often asked, and none
    on a page that read them with the signed-in user."""
    stored = session.info.get(_READ)
    if stored is None:
        # Flushed first: a setting added is a setting read.
        stored = read_once(STORED_SETTINGS, lambda: _read_stored(session))
        session.info[_READ] = stored
    return stored


def _read_stored(session: Session) -> dict[str, Any]:
    return dict(page_rows(session, _ALL_SETTINGS).all())


#: Values nobody can change in place: handed out as they are, without a copy.
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def read_settings(session: Session, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the keys in `defaults`, stored value first (copies: change freely)."""
    stored = stored_settings(session)
    values = {key: stored.get(key, default) for key, default in defaults.items()}
    for key, value in values.items():
        if type(value) not in _IMMUTABLE:
            values[key] = deepcopy(value)
    return values


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction) -> None:
    session.info.pop(_READ, None)


@event.listens_for(Session, "after_flush")
def _forget_when_written(session: Session, flush_context) -> None:
    if _READ in session.info and any(
        isinstance(row, Setting) for row in chain(session.new, session.dirty, session.deleted)
    ):
        del session.info[_READ]


def dealership_defaults() -> dict[str, Any]:
    """The dealership's identity, defaulting to the deployment's configuration."""
    config = current_app.config
    return {
        "dealership.name": config["PORTAL_DEALERSHIP_NAME"],
        "dealership.timezone": config["PORTAL_TIMEZONE"],
        "dealership.phone": "",
        "dealership.email": "",
        "dealership.address": "",
        "dealership.weekly_message_limit": WEEKLY_MESSAGE_LIMIT,
        #: When the reminder of an event goes out, the day before it ("HH:MM", local time).
        "dealership.event_reminder_time": "10:00",
        #: How many hours before an event starts the team may check people in at the door.
        "dealership.check_in_opens_hours": CHECK_IN_OPENS_HOURS,
    }


def dealership_profile(session: Session) -> dict[str, Any]:
    """Name, time zone and contact details, as the header and messages use them."""
    values = read_settings(session, dealership_defaults())
    return {key.removeprefix("dealership."): value for key, value in values.items()}


def weekly_message_limit(session: Session) -> int:
    """How many messages an owner may get by email or text in any seven days."""
    key = "dealership.weekly_message_limit"
    return int(read_settings(session, {key: WEEKLY_MESSAGE_LIMIT})[key])


def dealership_zone(session: Session) -> ZoneInfo:
    """The dealership's time zone, in which every date at the dealership is a date."""
    return ZoneInfo(dealership_profile(session)["timezone"])


def today_at_dealership(session: Session) -> date:
    """Today's date in the dealership's time zone."""
    return clock.now().astimezone(dealership_zone(session)).date()
