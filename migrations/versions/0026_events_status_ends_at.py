"""events by status and end: the upcoming events without walking every past one

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 04:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_events_status_ends_at", "events", ["status", "ends_at"], unique=False)


def downgrade():
    op.drop_index("ix_events_status_ends_at", table_name="events")
