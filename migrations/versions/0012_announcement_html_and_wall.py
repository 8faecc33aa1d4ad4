"""announcements keep their rendered HTML; drives keep running totals; the wall's index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 18:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FILL_GIVERS = """
INSERT INTO charity_giver_tallies (drive_id, user_id, given)
SELECT drive_id, user_id, SUM(amount) FROM charity_contributions
WHERE user_id IS NOT NULL GROUP BY drive_id, user_id
"""
FILL_DRIVES = """
INSERT INTO charity_drive_tallies
    (drive_id, owners_pledged, owners_received, points_value, participants, contributions)
SELECT c.drive_id,
    SUM(CASE WHEN c.kind = 'pledge' THEN c.amount ELSE 0 END),
    SUM(CASE WHEN c.kind = 'pledge' AND c.received_at IS NOT NULL THEN c.amount ELSE 0 END),
    SUM(CASE WHEN c.kind = 'pledge' THEN 0 ELSE c.amount END),
    (SELECT COUNT(*) FROM charity_giver_tallies g WHERE g.drive_id = c.drive_id AND g.given > 0),
    COUNT(*)
FROM charity_contributions c GROUP BY c.drive_id
"""


def _render_announcements() -> None:
    """Store every announcement's HTML with today's renderer (the one the app will check)."""
    from portal.community.rules import RENDERER_VERSION, announcement_html

    connection = op.get_bind()
    table = sa.table(
        "announcements",
        sa.column("id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("body_format", sa.String),
        sa.column("body_html", sa.Text),
        sa.column("renderer_version", sa.String),
    )
    rows = connection.execute(sa.select(table.c.id, table.c.body, table.c.body_format)).all()
    for announcement_id, body, body_format in rows:
        connection.execute(
            table.update()
            .where(table.c.id == announcement_id)
            .values(
                body_html=str(announcement_html(body, body_format)),
                renderer_version=RENDERER_VERSION,
            )
        )


def upgrade():
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("renderer_version", sa.String(length=80), nullable=True))
    _render_announcements()

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_users_ambassador_wall",
            ["consent_recognition", "role", "tier_level", "name", "id"],
            unique=False,
        )

    op.create_table(
        "charity_drive_tallies",
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("owners_pledged", sa.Integer(), nullable=False),
        sa.Column("owners_received", sa.Integer(), nullable=False),
        sa.Column("points_value", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["charity_drives.id"],
            name=op.f("fk_charity_drive_tallies_drive_id_charity_drives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("drive_id", name=op.f("pk_charity_drive_tallies")),
    )
    op.create_table(
        "charity_giver_tallies",
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("given", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["charity_drives.id"],
            name=op.f("fk_charity_giver_tallies_drive_id_charity_drives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_charity_giver_tallies_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("drive_id", "user_id", name=op.f("pk_charity_giver_tallies")),
    )
    op.execute(FILL_GIVERS)
    op.execute(FILL_DRIVES)


def downgrade():
    op.drop_table("charity_giver_tallies")
    op.drop_table("charity_drive_tallies")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_ambassador_wall")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_column("renderer_version")
        batch_op.drop_column("body_html")
