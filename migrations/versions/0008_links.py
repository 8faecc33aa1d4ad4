"""drives linked to events; altruistic redemptions name their drive and a form token

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-26 15:58:09.814587

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


@contextmanager
def _keeping_ledger_links():
    """Rebuild `redemptions` without losing points_entries.redemption_id.

    On SQLite, batch mode rebuilds the table, and dropping the old one with foreign keys
    on fires ON DELETE SET NULL on the ledger lines pointing at it (PITFALLS.md; the
    pragma cannot be switched off inside the migration's transaction). Read the links
    first and put them back afterwards. PostgreSQL alters in place.
    """
    bind = op.get_bind()
    links = []
    if bind.dialect.name == "sqlite":
        links = bind.execute(
            sa.text("SELECT id, redemption_id FROM points_entries WHERE redemption_id IS NOT NULL")
        ).all()
    yield
    if links:
        bind.execute(
            sa.text("UPDATE points_entries SET redemption_id = :redemption WHERE id = :id"),
            [{"id": entry_id, "redemption": redemption} for entry_id, redemption in links],
        )


def upgrade():
    op.create_table(
        "drive_events",
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["charity_drives.id"],
            name=op.f("fk_drive_events_drive_id_charity_drives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_drive_events_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("drive_id", "event_id", name=op.f("pk_drive_events")),
    )
    with op.batch_alter_table("drive_events", schema=None) as batch_op:
        batch_op.create_index("ix_drive_events_event_id", ["event_id"], unique=False)

    with _keeping_ledger_links(), op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drive_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("request_token", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_redemptions_drive_id", ["drive_id"], unique=False)
        batch_op.create_index("uq_redemptions_request_token", ["request_token"], unique=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_redemptions_drive_id_charity_drives"),
            "charity_drives",
            ["drive_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with _keeping_ledger_links(), op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_redemptions_drive_id_charity_drives"), type_="foreignkey"
        )
        batch_op.drop_index("uq_redemptions_request_token")
        batch_op.drop_index("ix_redemptions_drive_id")
        batch_op.drop_column("request_token")
        batch_op.drop_column("drive_id")

    with op.batch_alter_table("drive_events", schema=None) as batch_op:
        batch_op.drop_index("ix_drive_events_event_id")
    op.drop_table("drive_events")
