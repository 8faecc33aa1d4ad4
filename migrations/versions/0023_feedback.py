"""how did it go: a survey per dealership visit, follow-ups for low scores, the visit's advisor

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advisor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_service_records_advisor_id_users",
            "users",
            ["advisor_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "feedback_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_record_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 1 AND score <= 5)",
            name=op.f("ck_feedback_surveys_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_feedback_surveys_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_record_id"],
            ["service_records.id"],
            name=op.f("fk_feedback_surveys_service_record_id_service_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_surveys")),
        sa.UniqueConstraint(
            "service_record_id", name=op.f("uq_feedback_surveys_service_record_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_surveys_token_hash")),
    )
    with op.batch_alter_table("feedback_surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_surveys_owner_id"), ["owner_id"], unique=False
        )
    op.create_table(
        "feedback_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("service_record_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_follow_ups_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_feedback_follow_ups_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_record_id"],
            ["service_records.id"],
            name=op.f("fk_feedback_follow_ups_service_record_id_service_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["feedback_surveys.id"],
            name=op.f("fk_feedback_follow_ups_survey_id_feedback_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_follow_ups")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_feedback_follow_ups_survey_id")),
    )
    with op.batch_alter_table("feedback_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_follow_ups_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_follow_ups_status_opened",
            ["status", "opened_at", "id"],
            unique=False,
        )


def downgrade():
    op.drop_table("feedback_follow_ups")
    op.drop_table("feedback_surveys")
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_constraint("fk_service_records_advisor_id_users", type_="foreignkey")
        batch_op.drop_column("advisor_id")
