"""Every staff list reads its rows in order from an index: no full scan, no sort per page.

SQLite's plan must not scan a table without an index nor build a temporary B-tree for
the ORDER BY. PostgreSQL prefers a sequential scan on a test's tiny tables, and what it
believes of their size depends on what earlier tests left in its statistics, so its plan is
asked with sequential scans, bitmap scans and sorts priced out (`enable_seqscan`,
`enable_bitmapscan`, `enable_sort` off): an index that gives the order is then used and no
Sort node is left; without one the Sort stays.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from portal.admin import audit_queries
from portal.admin import queries as admin_queries
from portal.events import queries as event_queries
from portal.extensions import db
from portal.notifications import queries as inbox_queries
from portal.paging import bounded_count
from portal.referrals import queries as referral_queries
from portal.referrals.models import Stage
from portal.reminders.queries import pages as reminder_queries
from portal.rewards import queries as reward_queries

NOW = datetime(2026, 12, 1, tzinfo=UTC)
NO_FILTERS = {
    "actor": None,
    "entity_type": "",
    "entity_id": "",
    "action": "",
    "since": None,
    "until": None,
}


def _audit(**filters):
    return lambda: audit_queries.audit_entries({**NO_FILTERS, **filters}, ZoneInfo("UTC"))


#: {what: the list's statement as its page builds it}
STATEMENTS = {
    **{
        f"owners by {sort}, descending {desc}": (
            lambda sort=sort, desc=desc: admin_queries.owner_search("", sort, desc)
        )
        for sort in ("name", "joined")
        for desc in (False, True)
    },
    **{
        f"referrals by {sort}, stage {stage}": (
            lambda sort=sort, stage=stage: referral_queries.pipeline(stage, sort, True)
        )
        for sort in referral_queries.REFERRAL_SORTS
        for stage in (None, "invited")
    },
    **{
        f"events by {sort}, past {past}": (
            lambda sort=sort, past=past: event_queries.events_for_coordinators(
                NOW, past, sort, past
            )
        )
        for sort in event_queries.COORDINATOR_SORTS
        for past in (False, True)
    },
    **{
        f"redemptions by {sort}": (
            lambda sort=sort: reward_queries.redemptions_list("pending", sort, True)
        )
        for sort in ("date", "points")
    },
    **{
        f"delivery log by {sort}, status {status}": (
            lambda sort=sort, status=status: reminder_queries.notification_log(status, sort, True)
        )
        for sort in reminder_queries.NOTIFICATION_SORTS
        for status in (None, "sent")
    },
    **{
        f"visit requests by {sort}, open only {open_only}": (
            lambda sort=sort, open_only=open_only: reminder_queries.visit_request_list(
                open_only, sort, False
            )
        )
        for sort in ("date", "day")
        for open_only in (False, True)
    },
    "audit log": _audit(),
    "audit log by actor": _audit(actor=3),
    "audit log by action": _audit(action="event.create"),
    "audit log by kind of thing": _audit(entity_type="event"),
    "audit log by one thing": _audit(entity_type="event", entity_id="12"),
    "inbox": lambda: inbox_queries.INBOX_ROWS.params(user_id=5),
}


def _plan(statement) -> list[str]:
    """The database's plan for the first page of `statement`, one line per step."""
    page = statement.limit(25).offset(0)
    connection = db.session.connection()
    sql = str(page.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "sqlite":
        return [row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql))]
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        connection.execute(text(f"SET LOCAL {setting} = off"))
    return [row[0].strip() for row in connection.execute(text("EXPLAIN " + sql))]


def _unindexed_steps(plan: list[str], dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            step
            for step in plan
            if "TEMP B-TREE" in step or (step.startswith("SCAN ") and " USING " not in step)
        ]
    return [step for step in plan if "Sort" in step or "Seq Scan" in step]


@pytest.mark.parametrize("what", sorted(STATEMENTS))
def test_each_list_reads_its_page_in_order_from_an_index(app, what):
    plan = _plan(STATEMENTS[what]())
    assert _unindexed_steps(plan, db.engine.dialect.name) == [], "\n".join(plan)


def test_the_owners_list_by_name_uses_the_case_insensitive_index(app):
    plan = " | ".join(_plan(admin_queries.owner_search("", "name", False)))
    assert "ix_users_role_lower_name" in plan
    assert "TEMP B-TREE" not in plan
    assert "Sort" not in plan


def test_the_owners_count_reads_an_index_alone(app):
    executed = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        bounded_count(db.session, admin_queries.owner_search("", "name", False), 1001)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    count, parameters = executed[-1]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = [
            row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + count, parameters)
        ]
        assert any("users USING COVERING INDEX" in step for step in plan), plan
    else:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + count, parameters)]
        assert any("Index Only Scan" in step for step in plan), plan


def test_the_dashboards_funnel_counts_each_stage_from_one_range_of_an_index(app):
    executed = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        admin_queries.dashboard(db.session, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    funnel, parameters = executed[-1]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = [
            row[-1]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + funnel, parameters)
        ]
        ranges = [step for step in plan if "(stage=? AND created_at>?)" in step]
        assert len(ranges) == len(Stage) and "SCAN referrals" not in " ".join(plan), plan
    else:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + funnel, parameters)]
        # One index scan per stage (on a test's empty table any index on the stage will do).
        ranges = [step for step in plan if "Index Cond" in step and "stage" in step]
        assert len(ranges) == len(Stage) and "Seq Scan" not in " ".join(plan), plan
