"""Audit entries for staff actions taken through the admin pages: who, from where, what changed."""

from collections.abc import Iterable, Mapping
from typing import Any

from flask_login import current_user

from portal.admin.listing import client_ip
from portal.audit import AuditEntry, record_audit
from portal.extensions import db


def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a row, as they are now (for an entry's before or after)."""
    return {name: getattr(obj, name) for name in names}


def audit(
    action: str,
    entity_type: str,
    entity_id: Any,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Add an entry for the signed-in member of staff to the request's transaction.

    When both `before` and `after` are given, only the values that changed are kept; an
    edit that changed nothing leaves no entry.
    """
    if before is not None and after is not None:
        changed = [key for key in after if before.get(key) != after[key]]
        if not changed:
            return None
        before = {key: before.get(key) for key in changed}
        after = {key: after[key] for key in changed}
    return record_audit(
        db.session,
        actor=current_user._get_current_object(),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        summary=summary,
        ip=client_ip(),
    )


def audit_settings(
    namespace: str, changes: dict[str, tuple[Any, Any]], defaults: Mapping[str, Any]
) -> AuditEntry | None:
    """An entry for settings saved with `write_settings` ({key: (stored before, after)}).

    A key never stored before had its default, so that is its value before; saving a
    default as it was leaves no entry.
    """
    before = {
        key: defaults.get(key) if old is None else old for key, (old, _new) in changes.items()
    }
    after = {key: new for key, (_old, new) in changes.items()}
    changed = [key for key in after if before[key] != after[key]]
    return audit(
        "settings.update",
        "settings",
        namespace,
        f"Changed {namespace} settings: " + ", ".join(key.split(".", 1)[-1] for key in changed),
        before=before,
        after=after,
    )
