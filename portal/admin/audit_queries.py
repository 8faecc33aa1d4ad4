"""Reads for the audit log: its entries by filter, newest first, and what its filters offer."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import User
from portal.audit import AuditEntry

#: The audit log's exact-match filters and the column each one compares.
AUDIT_MATCHES = {
    "actor": AuditEntry.actor_id,
    "entity_type": AuditEntry.entity_type,
    "entity_id": AuditEntry.entity_id,
    "action": AuditEntry.action,
}


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the dealership, in UTC: date filters mean the dealership's days."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def audit_entries(filters: dict[str, Any], zone: ZoneInfo) -> Select:
    """Entries matching the filters (blank ones match all), newest first.

    `since` and `until` are dates at the dealership (`zone`), both days included.
    """
    statement = select(AuditEntry).options(joinedload(AuditEntry.actor))
    for name, column in AUDIT_MATCHES.items():
        if filters[name]:
            statement = statement.where(column == filters[name])
    if filters["since"]:
        statement = statement.where(
            AuditEntry.created_at >= _local_midnight(filters["since"], zone)
        )
    if filters["until"]:
        end = _local_midnight(filters["until"] + timedelta(days=1), zone)
        statement = statement.where(AuditEntry.created_at < end)
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_choices(session: Session) -> dict[str, list]:
    """What the audit log's filters offer: the people, kinds of thing and actions on record."""
    return {
        "actors": session.scalars(
            select(User)
            .where(User.id.in_(select(AuditEntry.actor_id).distinct()))
            .order_by(User.name)
        ).all(),
        "entity_types": session.scalars(
            select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
        ).all(),
        "actions": session.scalars(
            select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        ).all(),
    }
