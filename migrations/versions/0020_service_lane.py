"""the service lane: capacity windows, closed days, bookable slots and bookings

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import portal.models

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_service_windows_capacity_not_negative")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_service_windows_ends_after_start")),
        sa.CheckConstraint(
            "weekday >= 0 AND weekday <= 6", name=op.f("ck_service_windows_weekday_in_week")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_windows")),
        sa.UniqueConstraint(
            "weekday", "starts_at", name=op.f("uq_service_windows_weekday_starts_at")
        ),
    )
    op.create_table(
        "service_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0",
            name=op.f("ck_service_closures_capacity_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_closures")),
        sa.UniqueConstraint("day", name=op.f("uq_service_closures_day")),
    )
    op.create_table(
        "service_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_service_slots_booked_within")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_slots")),
        sa.UniqueConstraint("day", "starts_at", name=op.f("uq_service_slots_day_starts_at")),
    )
    op.create_table(
        "service_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("work_kind", sa.String(length=16), nullable=False),
        sa.Column("work_label", sa.String(length=200), nullable=False),
        sa.Column("reminder_key", sa.String(length=200), nullable=True),
        sa.Column("handover", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("arrived_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("done_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by_id"],
            ["users.id"],
            name=op.f("fk_service_bookings_booked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["service_slots.id"],
            name=op.f("fk_service_bookings_slot_id_service_slots"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_service_bookings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_service_bookings_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_bookings")),
    )
    op.create_index(
        "ix_service_bookings_slot_status", "service_bookings", ["slot_id", "status"], unique=False
    )
    op.create_index(
        "ix_service_bookings_user_status", "service_bookings", ["user_id", "status"], unique=False
    )


def downgrade():
    op.drop_index("ix_service_bookings_user_status", table_name="service_bookings")
    op.drop_index("ix_service_bookings_slot_status", table_name="service_bookings")
    op.drop_table("service_bookings")
    op.drop_table("service_slots")
    op.drop_table("service_closures")
    op.drop_table("service_windows")
