"""indexes for every staff list's sort and filter (case-insensitive names included)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: (index, table, columns or SQL expressions) added; an expression is written as SQL text.
NEW_INDEXES = [
    ("ix_users_role_lower_name", "users", ["role", "lower(name)", "id"]),
    ("ix_users_role_created_at", "users", ["role", "created_at", "id"]),
    ("ix_referrals_stage_changed_at", "referrals", ["stage_changed_at", "id"]),
    ("ix_referrals_lower_name", "referrals", ["lower(name)", "id"]),
    ("ix_referrals_created_at", "referrals", ["created_at", "id"]),
    ("ix_referrals_stage_stage_changed_at", "referrals", ["stage", "stage_changed_at", "id"]),
    ("ix_referrals_stage_lower_name", "referrals", ["stage", "lower(name)", "id"]),
    ("ix_referrals_stage_created_at", "referrals", ["stage", "created_at", "id"]),
    ("ix_events_starts_at", "events", ["starts_at", "id"]),
    ("ix_events_lower_title_starts_at", "events", ["lower(title)", "starts_at", "id"]),
    ("ix_notifications_created_at", "notifications", ["created_at", "id"]),
    ("ix_notifications_status_created_at", "notifications", ["status", "created_at", "id"]),
    ("ix_notifications_kind", "notifications", ["kind", "id"]),
    ("ix_notifications_status_kind", "notifications", ["status", "kind", "id"]),
    (
        "ix_audit_entries_entity_created_at",
        "audit_entries",
        ["entity_type", "entity_id", "created_at", "id"],
    ),
    (
        "ix_audit_entries_entity_type_created_at",
        "audit_entries",
        ["entity_type", "created_at", "id"],
    ),
    ("ix_audit_entries_actor_created_at", "audit_entries", ["actor_id", "created_at", "id"]),
    ("ix_audit_entries_action_created_at", "audit_entries", ["action", "created_at", "id"]),
    ("ix_redemptions_status_created_at", "redemptions", ["status", "created_at", "id"]),
    ("ix_redemptions_status_points", "redemptions", ["status", "points", "id"]),
    (
        "ix_service_visit_requests_status_preferred_day",
        "service_visit_requests",
        ["status", "preferred_day", "id"],
    ),
    ("ix_service_visit_requests_created_at", "service_visit_requests", ["created_at", "id"]),
    ("ix_service_visit_requests_preferred_day", "service_visit_requests", ["preferred_day", "id"]),
]

#: Indexes the new ones replace (each is the leading part of one above).
OLD_INDEXES = [
    ("ix_audit_entries_entity", "audit_entries", ["entity_type", "entity_id"]),
    ("ix_audit_entries_actor_id", "audit_entries", ["actor_id"]),
    ("ix_redemptions_status", "redemptions", ["status"]),
]


#: Indexes that gain the id as their last column, so that PostgreSQL too reads the sort and
#: its tie-breaker from them (SQLite's indexes end with the rowid anyway): (name, table,
#: columns before, columns after).
WIDENED_INDEXES = [
    ("ix_notifications_status", "notifications", ["status"], ["status", "id"]),
    (
        "ix_notifications_user_created",
        "notifications",
        ["user_id", "created_at"],
        ["user_id", "created_at", "id"],
    ),
    (
        "ix_events_status_starts_at",
        "events",
        ["status", "starts_at"],
        ["status", "starts_at", "id"],
    ),
    ("ix_referrals_stage", "referrals", ["stage"], ["stage", "id"]),
    ("ix_audit_entries_created_at", "audit_entries", ["created_at"], ["created_at", "id"]),
    (
        "ix_service_visit_requests_status",
        "service_visit_requests",
        ["status", "created_at"],
        ["status", "created_at", "id"],
    ),
]


def _columns(names: list[str]) -> list:
    return [sa.text(name) if "(" in name else name for name in names]


def upgrade():
    for name, table, columns in NEW_INDEXES:
        op.create_index(name, table, _columns(columns), unique=False)
    for name, table, _ in OLD_INDEXES:
        op.drop_index(name, table_name=table)
    for name, table, _before, after in WIDENED_INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, after, unique=False)


def downgrade():
    for name, table, before, _after in WIDENED_INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, before, unique=False)
    for name, table, columns in OLD_INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in reversed(NEW_INDEXES):
        op.drop_index(name, table_name=table)
