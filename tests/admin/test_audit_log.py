"""The audit log page: filters by actor, entity type, action and dates; paginated."""

from datetime import UTC, datetime

from portal import clock
from portal.audit import record_audit
from portal.extensions import db


def _log(actor, action, entity_type, when, summary):
    with clock.frozen(when):
        record_audit(
            db.session,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=1,
            before=None,
            after={"x": 1},
            summary=summary,
        )
        db.session.commit()  # created_at is set at flush time


def test_audit_log_filters_by_actor_entity_action_and_dates(client, as_admin, coordinator):
    _log(as_admin, "settings.update", "settings", datetime(2026, 3, 1, 15, tzinfo=UTC), "Alpha")
    _log(coordinator, "note.add", "user", datetime(2026, 3, 5, 15, tzinfo=UTC), "Bravo")
    _log(coordinator, "account.deactivate", "user", datetime(2026, 3, 9, 15, tzinfo=UTC), "Charlie")

    def shown(**params):
        html = client.get("/admin/audit", query_string=params).get_data(True)
        return {word for word in ("Alpha", "Bravo", "Charlie") if word in html}

    assert shown() == {"Alpha", "Bravo", "Charlie"}
    assert shown(actor=coordinator.id) == {"Bravo", "Charlie"}
    assert shown(entity_type="settings") == {"Alpha"}
    assert shown(action="note.add") == {"Bravo"}
    assert shown(since="2026-03-04", until="2026-03-05") == {"Bravo"}
    assert shown(since="2026-03-06") == {"Charlie"}


def test_audit_log_pages_newest_first(client, as_admin):
    for day in range(1, 29):
        _log(
            as_admin, "note.add", "user", datetime(2026, 2, day, 12, tzinfo=UTC), f"entry-{day:02d}"
        )
    for day in range(1, 28):
        _log(as_admin, "note.add", "user", datetime(2026, 1, day, 12, tzinfo=UTC), f"jan-{day:02d}")
    first = client.get("/admin/audit").get_data(True)
    assert "entry-28" in first and "Page 1 of 2" in first
    assert first.index("entry-28") < first.index("entry-27")
    assert "jan-01" in client.get("/admin/audit?page=2").get_data(True)
