"""Reading dealership settings: a key nobody has set reads as its default."""

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.dealership.models import Setting

#: By default an owner hears from us by email or text at most twice a week; the rest waits
#: for one digest (the portal inbox gets everything at once).
WEEKLY_MESSAGE_LIMIT = 2
#: By default the team may check people in to an event from two hours before it starts.
CHECK_IN_OPENS_HOURS = 2


def read_settings(session: Session, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the keys in `defaults`, stored value first, in one query."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(defaults)))
    stored = {key: value for key, value in rows}
    return {key: stored.get(key, default) for key, default in defaults.items()}


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
