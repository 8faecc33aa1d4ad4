"""notifications carry a topic, count against a weekly budget, and fold into digests

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: Reminder messages were keyed "reminder:<reminder key>:<status>"; their topic is the middle.
REMINDER_SUFFIXES = (":due_soon", ":overdue")


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("budgeted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_notifications_digest_id_notifications",
            "notifications",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_notifications_topic", ["topic"], unique=False)
        batch_op.create_index("ix_notifications_digest_id", ["digest_id"], unique=False)
    notifications = sa.table(
        "notifications", sa.column("key", sa.String), sa.column("topic", sa.String)
    )
    prefix = len("reminder:")
    for suffix in REMINDER_SUFFIXES:
        op.execute(
            notifications.update()
            .where(notifications.c.key.like(f"reminder:%{suffix}"))
            .values(
                topic=sa.func.substr(
                    notifications.c.key,
                    prefix + 1,
                    sa.func.length(notifications.c.key) - prefix - len(suffix),
                )
            )
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_digest_id")
        batch_op.drop_index("ix_notifications_topic")
        batch_op.drop_constraint("fk_notifications_digest_id_notifications", type_="foreignkey")
        batch_op.drop_column("digest_id")
        batch_op.drop_column("budgeted")
        batch_op.drop_column("topic")
