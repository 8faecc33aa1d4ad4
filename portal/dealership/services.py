"""Changing dealership settings; every change an admin makes is audited with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.dealership.models import Setting
from portal.dealership.queries import dealership_defaults, read_settings
from portal.errors import ServiceError

if TYPE_CHECKING:
    from portal.accounts.models import User


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


def validate_timezone(name: str) -> str:
    """An IANA time zone name, or ServiceError."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ServiceError(
            "Not a time zone we know; use a name like America/New_York.", "timezone"
        ) from error
    return name.strip()


def update_dealership(
    session: Session, *, values: dict[str, Any], actor: User, ip=None
) -> dict[str, tuple[Any, Any]]:
    """Save the dealership's name, time zone and contact details; audits what changed."""
    allowed = dealership_defaults()
    stored = {f"dealership.{key}": value for key, value in values.items()}
    unknown = set(stored) - set(allowed)
    if unknown:
        raise ServiceError(f"Unknown settings: {', '.join(sorted(unknown))}")
    validate_timezone(stored.get("dealership.timezone", allowed["dealership.timezone"]))
    current = read_settings(session, allowed)
    changed = {key: value for key, value in stored.items() if current[key] != value}
    write_settings(session, changed)
    changes = {key: (current[key], value) for key, value in changed.items()}
    if changes:
        record_audit(
            session,
            actor=actor,
            action="settings.update",
            entity_type="settings",
            entity_id="dealership",
            before={key: old for key, (old, _new) in changes.items()},
            after={key: new for key, (_old, new) in changes.items()},
            summary="Changed " + ", ".join(key.removeprefix("dealership.") for key in changes),
            ip=ip,
        )
    return changes
