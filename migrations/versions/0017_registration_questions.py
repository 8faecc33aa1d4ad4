"""registration questions: an event's questions, owners' answers, guest names for plus-ones

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 21:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade():
    # A plain ADD COLUMN on both databases: a batch rebuild of `events` on SQLite would drop
    # its expression index (lower(title)).
    op.add_column(
        "events",
        sa.Column("ask_guest_names", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "event_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_questions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_questions")),
    )
    op.create_index(
        "ix_event_questions_event_position",
        "event_questions",
        ["event_id", "position", "id"],
        unique=False,
    )
    op.create_table(
        "rsvp_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rsvp_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["event_questions.id"],
            name=op.f("fk_rsvp_answers_question_id_event_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rsvp_id"],
            ["rsvps.id"],
            name=op.f("fk_rsvp_answers_rsvp_id_rsvps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsvp_answers")),
        sa.UniqueConstraint(
            "rsvp_id", "question_id", name=op.f("uq_rsvp_answers_rsvp_id_question_id")
        ),
    )
    op.create_index(
        op.f("ix_rsvp_answers_question_id"), "rsvp_answers", ["question_id"], unique=False
    )
    op.create_table(
        "rsvp_guest_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rsvp_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["rsvp_id"],
            ["rsvps.id"],
            name=op.f("fk_rsvp_guest_names_rsvp_id_rsvps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsvp_guest_names")),
        sa.UniqueConstraint(
            "rsvp_id", "position", name=op.f("uq_rsvp_guest_names_rsvp_id_position")
        ),
    )


def downgrade():
    op.drop_table("rsvp_guest_names")
    op.drop_index(op.f("ix_rsvp_answers_question_id"), table_name="rsvp_answers")
    op.drop_table("rsvp_answers")
    op.drop_index("ix_event_questions_event_position", table_name="event_questions")
    op.drop_table("event_questions")
    op.drop_column("events", "ask_guest_names")
