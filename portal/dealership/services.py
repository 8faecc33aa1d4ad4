"""Read and write dealership settings; a key nobody has set reads as its default."""

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dealership.models import Setting


def read_settings(session: Session, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the keys in `defaults`, stored value first, in one query."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(defaults)))
    stored = {key: value for key, value in rows}
    return {key: stored.get(key, default) for key, default in defaults.items()}


def write_settings(session: Session, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Store values; returns {key: (before, after)} for the keys that changed."""
    existing = {
        row.key: row for row in session.scalars(select(Setting).where(Setting.key.in_(values)))
    }
    changes = {}
    for key, value in values.items():
        row = existing.get(key)
        if row is None:
            session.add(Setting(key=key, value=value))
            changes[key] = (None, value)
        elif row.value != value:
            changes[key] = (row.value, value)
            row.value = value
    session.flush()
    return changes


def dealership_defaults() -> dict[str, Any]:
    """The dealership's identity, defaulting to the deployment's configuration."""
    config = current_app.config
    return {
        "dealership.name": config["PORTAL_DEALERSHIP_NAME"],
        "dealership.timezone": config["PORTAL_TIMEZONE"],
        "dealership.phone": "",
        "dealership.email": "",
        "dealership.address": "",
    }


def dealership_profile(session: Session) -> dict[str, Any]:
    """Name, time zone and contact details, as the header and messages use them."""
    values = read_settings(session, dealership_defaults())
    return {key.removeprefix("dealership."): value for key, value in values.items()}
