"""imports: planned rows in their own table instead of one JSON plan per batch

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 18:40:00.000000

A preview used to keep its whole plan in `import_batches.plan` (one JSON value holding every
row), so previewing and applying a 50,000-row file held it all in memory. Each planned line
is now a row of `import_rows`, written and read a chunk at a time.

Upgrading drops the old plans rather than converting them:
- a preview not yet applied at upgrade time is marked `expired`; its page asks for the file
  to be uploaded again (previews went stale after a day anyway);
- an applied import keeps its counts and its result; its page says the row-by-row detail
  was not kept. Its list of skipped rows becomes their count, as new imports record it
  (the reasons now live on each planned row).

Downgrading restores an empty `plan` column: previews made since the upgrade are marked
`expired` (their plans cannot be rebuilt into the old shape), and the skipped rows of
imports applied since come back as a list from their planned rows.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

batches = sa.table(
    "import_batches",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("summary", sa.JSON()),
    sa.column("result", sa.JSON()),
)
planned_rows = sa.table(
    "import_rows",
    sa.column("batch_id", sa.Integer()),
    sa.column("line", sa.Integer()),
    sa.column("skipped_reason", sa.Text()),
)
NOT_APPLIED = ("previewed", "applying")


def upgrade():
    connection = op.get_bind()
    connection.execute(
        batches.update().where(batches.c.status.in_(NOT_APPLIED)).values(status="expired")
    )
    for batch_id, summary, result in connection.execute(
        sa.select(batches.c.id, batches.c.summary, batches.c.result)
    ).all():
        if result and isinstance(result.get("skipped"), list):
            result = result | {"skipped": len(result["skipped"])}
        connection.execute(
            batches.update()
            .where(batches.c.id == batch_id)
            .values(summary=(summary or {}) | {"rows_discarded": True}, result=result)
        )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("plan")

    op.create_table(
        "import_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("owner_action", sa.String(length=24), nullable=True),
        sa.Column("vehicle_action", sa.String(length=16), nullable=True),
        sa.Column("vin_fingerprint", sa.String(length=16), nullable=True),
        sa.Column("first_of_owner", sa.Boolean(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("skipped_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_rows_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_import_rows")),
    )
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_import_rows_batch_outcome_line", ["batch_id", "outcome", "line"], unique=False
        )
        batch_op.create_index("ix_import_rows_batch_email", ["batch_id", "email"], unique=False)
        batch_op.create_index("ix_import_rows_batch_vin", ["batch_id", "vin"], unique=False)


def downgrade():
    connection = op.get_bind()
    connection.execute(
        batches.update().where(batches.c.status.in_(NOT_APPLIED)).values(status="expired")
    )
    for batch_id, result in connection.execute(sa.select(batches.c.id, batches.c.result)).all():
        if result and isinstance(result.get("skipped"), int):
            skipped = connection.execute(
                sa.select(planned_rows.c.line, planned_rows.c.skipped_reason)
                .where(
                    planned_rows.c.batch_id == batch_id,
                    planned_rows.c.skipped_reason.is_not(None),
                )
                .order_by(planned_rows.c.line)
            ).all()
            result = result | {"skipped": [{"row": line, "reason": why} for line, why in skipped]}
            connection.execute(
                batches.update().where(batches.c.id == batch_id).values(result=result)
            )
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_import_rows_batch_vin")
        batch_op.drop_index("ix_import_rows_batch_email")
        batch_op.drop_index("ix_import_rows_batch_outcome_line")
    op.drop_table("import_rows")

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.alter_column("plan", server_default=None)
