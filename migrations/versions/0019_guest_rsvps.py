"""visitors RSVP to public events by email (rsvps without an owner); referrals keep the
channel that brought the prospect and their RSVP

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _restore_expression_indexes():
    """SQLite's batch rebuild of `referrals` drops its lower(name) indexes: make them again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_referrals_lower_name ON referrals (lower(name), id)")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_referrals_stage_lower_name "
        "ON referrals (stage, lower(name), id)"
    )


def upgrade():
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guest_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("guest_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("guest_nonce", sa.String(length=32), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            "uq_rsvps_event_id_guest_email", ["event_id", "guest_email"]
        )
        batch_op.create_check_constraint(
            "owner_or_guest", "user_id IS NOT NULL OR guest_email IS NOT NULL"
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("rsvp_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rsvped_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_referrals_rsvp_id_rsvps", "rsvps", ["rsvp_id"], ["id"], ondelete="SET NULL"
        )
    _restore_expression_indexes()


def downgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint("fk_referrals_rsvp_id_rsvps", type_="foreignkey")
        batch_op.drop_column("rsvped_at")
        batch_op.drop_column("rsvp_id")
        batch_op.drop_column("source")
    _restore_expression_indexes()
    op.execute("DELETE FROM rsvps WHERE user_id IS NULL")
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_constraint("owner_or_guest", type_="check")
        batch_op.drop_constraint("uq_rsvps_event_id_guest_email", type_="unique")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("guest_nonce")
        batch_op.drop_column("guest_email")
        batch_op.drop_column("guest_name")
