"""Migration 0010 moves import plans out of one JSON column: what happens to earlier batches."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.models import UTCDateTime
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 - fixtures

BATCHES = sa.table(
    "import_batches",
    sa.column("id", sa.Integer()),
    sa.column("filename", sa.String()),
    sa.column("sha256", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("status", sa.String()),
    sa.column("row_count", sa.Integer()),
    sa.column("plan", sa.JSON()),
    sa.column("summary", sa.JSON()),
    sa.column("result", sa.JSON()),
)
SUMMARY = {"create": 1, "update": 0, "unchanged": 0, "rejected": 1, "notes": []}
PLAN = [{"row": 2, "outcome": "create"}, {"row": 3, "outcome": "rejected"}]


def _batches() -> dict[str, dict]:
    columns = [BATCHES.c.filename, BATCHES.c.status, BATCHES.c.summary, BATCHES.c.result]
    with db.engine.connect() as connection:
        rows = connection.execute(sa.select(*columns)).all()
    return {name: {"status": s, "summary": summary, "result": r} for name, s, summary, r in rows}


def test_unapplied_previews_expire_and_applied_imports_keep_their_counts(migration_app):  # noqa: F811
    upgrade(revision="0009")
    common = {"sha256": "0" * 64, "created_at": datetime.now(UTC), "row_count": 2, "plan": PLAN}
    with db.engine.begin() as connection:
        connection.execute(
            BATCHES.insert(),
            [
                common
                | {
                    "filename": "pending.csv",
                    "status": "previewed",
                    "summary": SUMMARY,
                    "result": None,
                },
                common
                | {
                    "filename": "done.csv",
                    "status": "applied",
                    "summary": SUMMARY,
                    "result": {"applied_rows": 1, "skipped": [{"row": 2, "reason": "taken"}]},
                },
            ],
        )

    upgrade(revision="0010")
    batches = _batches()
    assert batches["pending.csv"]["status"] == "expired"
    assert batches["done.csv"]["status"] == "applied"
    assert batches["done.csv"]["result"] == {"applied_rows": 1, "skipped": 1}
    assert batches["done.csv"]["summary"] == SUMMARY | {"rows_discarded": True}
    assert "plan" not in {
        column["name"] for column in sa.inspect(db.engine).get_columns("import_batches")
    }

    downgrade(revision="0009")
    with db.engine.connect() as connection:
        plans = connection.execute(sa.select(BATCHES.c.plan)).scalars().all()
    assert plans == [[], []]
    assert _batches()["done.csv"]["result"] == {"applied_rows": 1, "skipped": []}
