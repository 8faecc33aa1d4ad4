"""The audit log: who changed what, when, from where, with the values before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User


class AuditEntry(db.Model):
    """One staff action that changed data; never updated or deleted by the portal."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at", "id"),
        # The log's filters, each still newest first.
        Index("ix_audit_entries_entity_created_at", "entity_type", "entity_id", "created_at", "id"),
        Index("ix_audit_entries_entity_type_created_at", "entity_type", "created_at", "id"),
        Index("ix_audit_entries_actor_created_at", "actor_id", "created_at", "id"),
        Index("ix_audit_entries_action_created_at", "action", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member of staff; None for commands run on the server.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Dotted verb, e.g. "owner.deactivate", "note.add", "settings.update".
    action: Mapped[str] = mapped_column(String(60))
    #: What kind of thing changed: "user", "staff_note", "settings", "import_batch", ...
    entity_type: Mapped[str] = mapped_column(String(40))
    #: Its id (text, so settings namespaces and composite keys fit too).
    entity_id: Mapped[str | None] = mapped_column(String(64))
    #: One sentence a person can read in the log.
    summary: Mapped[str] = mapped_column(String(300))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The request's remote address, when the change came through the web.
    ip: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship()


def _jsonable(value: Any) -> Any:
    """Dates, decimals and nested containers in a form the JSON column stores."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_audit(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: Any,
    after: Any,
    summary: str,
    ip: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (it commits with the change itself)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary[:300],
        before=_jsonable(before),
        after=_jsonable(after),
        ip=(ip or None) and ip[:45],
    )
    session.add(entry)
    return entry
