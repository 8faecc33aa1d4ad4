"""the ambassadors' wall index in the wall's order: highest tier first, then by name

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_users_ambassador_wall", table_name="users")
    op.create_index(
        "ix_users_ambassador_wall",
        "users",
        ["consent_recognition", "role", sa.text("tier_level DESC"), "name", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_users_ambassador_wall", table_name="users")
    op.create_index(
        "ix_users_ambassador_wall",
        "users",
        ["consent_recognition", "role", "tier_level", "name", "id"],
        unique=False,
    )
