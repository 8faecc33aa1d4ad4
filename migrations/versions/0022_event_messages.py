"""coordinators' messages to an event's attendees, each sent once under its preview's claim

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 21:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

import portal.models

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_messages_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_event_messages_sender_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_messages")),
        sa.UniqueConstraint("claim", name=op.f("uq_event_messages_claim")),
    )
    with op.batch_alter_table("event_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_messages_event_created_at", ["event_id", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("event_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_event_messages_event_created_at")
    op.drop_table("event_messages")
