"""experiential rewards as seats: a reward tied to an event, the RSVP its redemption holds

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 21:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


#: (table, column, referred table, constraint): the two links this revision adds.
LINKS = (
    ("rewards", "event_id", "events", "fk_rewards_event_id_events"),
    ("redemptions", "rsvp_id", "rsvps", "fk_redemptions_rsvp_id_rsvps"),
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    # No batch rebuild: on SQLite, rebuilding `rewards` or `redemptions` drops a table others
    # point at (their RESTRICT refuses, a SET NULL empties the ledger's links; PITFALLS.md).
    # SQLite adds a column with its named REFERENCES clause in place. Events and RSVPs are
    # never deleted (an event is cancelled), so the links need no ON DELETE action, which
    # SQLite could not report back for a column-level constraint anyway.
    for table, column, referred, name in LINKS:
        if _sqlite():
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES {referred} (id)"
            )
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, referred, [column], ["id"])
    op.add_column("redemptions", sa.Column("rsvp_was", sa.String(length=16), nullable=True))
    op.add_column(
        "rsvps", sa.Column("via_reward", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade():
    op.drop_column("rsvps", "via_reward")
    op.drop_column("redemptions", "rsvp_was")
    for table, column, _, name in LINKS:
        if _sqlite():
            # SQLite (3.35 on) drops a column with a column-level REFERENCES in place.
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_constraint(name, table, type_="foreignkey")
            op.drop_column(table, column)
