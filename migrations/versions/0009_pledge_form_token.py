"""pledges carry their form's one-time token, unique per owner

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("charity_contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_token", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "uq_charity_contributions_user_request_token",
            ["user_id", "request_token"],
            unique=True,
        )


def downgrade():
    with op.batch_alter_table("charity_contributions", schema=None) as batch_op:
        batch_op.drop_index("uq_charity_contributions_user_request_token")
        batch_op.drop_column("request_token")
