"""charity drives, contributions, community announcements

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 15:20:53.047332

"""

import sqlalchemy as sa
from alembic import op

import portal.models

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "charity_drives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("beneficiary_name", sa.String(length=120), nullable=False),
        sa.Column("beneficiary_description", sa.String(length=300), nullable=True),
        sa.Column("beneficiary_url", sa.String(length=500), nullable=True),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("goal_kind", sa.String(length=8), nullable=False),
        sa.Column("goal_amount", sa.Integer(), nullable=False),
        sa.Column("unit_label", sa.String(length=40), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("match_percent", sa.Integer(), nullable=False),
        sa.Column("match_cap", sa.Integer(), nullable=True),
        sa.Column("points_per_item", sa.Integer(), nullable=True),
        sa.Column("cover_filename", sa.String(length=64), nullable=True),
        sa.Column("cover_content_type", sa.String(length=16), nullable=True),
        sa.Column("opened_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("closed_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charity_drives")),
    )
    with op.batch_alter_table("charity_drives", schema=None) as batch_op:
        batch_op.create_index(
            "ix_charity_drives_status_ends_on", ["status", "ends_on"], unique=False
        )

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_format", sa.String(length=8), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("make", sa.String(length=60), nullable=True),
        sa.Column("model", sa.String(length=60), nullable=True),
        sa.Column("published_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_announcements_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_announcements_pinned_published", ["pinned", "published_at"], unique=False
        )

    op.create_table(
        "charity_contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("received_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["charity_drives.id"],
            name=op.f("fk_charity_contributions_drive_id_charity_drives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["users.id"],
            name=op.f("fk_charity_contributions_received_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_charity_contributions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charity_contributions")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_charity_contributions_idempotency_key")
        ),
    )
    with op.batch_alter_table("charity_contributions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_charity_contributions_drive_created", ["drive_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_charity_contributions_user_id", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("charity_contributions", schema=None) as batch_op:
        batch_op.drop_index("ix_charity_contributions_user_id")
        batch_op.drop_index("ix_charity_contributions_drive_created")

    op.drop_table("charity_contributions")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_pinned_published")

    op.drop_table("announcements")
    with op.batch_alter_table("charity_drives", schema=None) as batch_op:
        batch_op.drop_index("ix_charity_drives_status_ends_on")

    op.drop_table("charity_drives")
