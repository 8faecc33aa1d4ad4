"""check-in at the door: who checked each attendee in, guests on arrival, check-ins counted

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 19:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_in_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("arrived_guests", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("check_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            "fk_rsvps_checked_in_by_id_users",
            "users",
            ["checked_in_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    rsvps = sa.table(
        "rsvps",
        sa.column("checked_in_at", sa.DateTime),
        sa.column("guests", sa.Integer),
        sa.column("arrived_guests", sa.Integer),
        sa.column("check_ins", sa.Integer),
    )
    # Attendees checked in before: one check-in each, with the guests they had booked.
    op.execute(
        rsvps.update()
        .where(rsvps.c.checked_in_at.is_not(None))
        .values(check_ins=1, arrived_guests=rsvps.c.guests)
    )


def downgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_constraint("fk_rsvps_checked_in_by_id_users", type_="foreignkey")
        batch_op.drop_column("check_ins")
        batch_op.drop_column("arrived_guests")
        batch_op.drop_column("checked_in_by_id")
