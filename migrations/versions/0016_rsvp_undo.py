"""an owner's cancelled RSVP remembers what it was, so the owner can undo for a short time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 19:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_from", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_column("cancelled_from")
