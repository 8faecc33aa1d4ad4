"""calendar feeds say whether they carry the owner's reminders

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("include_reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_column("include_reminders")
