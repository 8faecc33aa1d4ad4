"""an index the referral pipeline counts its stages and channels from

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 01:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_referrals_stage_source", "referrals", ["stage", "source"], unique=False)


def downgrade():
    op.drop_index("ix_referrals_stage_source", table_name="referrals")
