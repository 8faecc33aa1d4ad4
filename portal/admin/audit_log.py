"""The audit log page: every staff change, filterable, for admins."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import DATABASE_INT_MAX
from portal.extensions import db
from portal.forms import EARLIEST_DATE, LATEST_DATE
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import admin_required, bounded_int, page_number, wants_fragment

PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def _local_midnight(day: date) -> datetime:
    """Midnight at the dealership, in UTC: date filters mean the dealership's days."""
    zone = ZoneInfo(dealership()["timezone"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@bp.route("/audit")
@admin_required
def audit_log():
    """Who changed what, when; newest first, filtered by actor, entity, action and dates."""
    filters = {
        "actor": bounded_int("actor", 0, 0, DATABASE_INT_MAX) or None,
        "entity_type": request.args.get("entity_type", "").strip(),
        "action": request.args.get("action", "").strip(),
        "since": _day("since"),
        "until": _day("until"),
        "entity_id": request.args.get("entity_id", "").strip(),
    }
    statement = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if filters["actor"]:
        statement = statement.where(AuditEntry.actor_id == filters["actor"])
    if filters["entity_type"]:
        statement = statement.where(AuditEntry.entity_type == filters["entity_type"])
    if filters["entity_id"]:
        statement = statement.where(AuditEntry.entity_id == filters["entity_id"])
    if filters["action"]:
        statement = statement.where(AuditEntry.action == filters["action"])
    if filters["since"]:
        statement = statement.where(AuditEntry.created_at >= _local_midnight(filters["since"]))
    if filters["until"]:
        end = _local_midnight(filters["until"] + timedelta(days=1))
        statement = statement.where(AuditEntry.created_at < end)
    page = db.paginate(
        statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    context = {"page": page, "filters": filters}
    if wants_fragment():
        return render_template("admin/audit/_entries.html", **context)
    actors = db.session.scalars(
        select(User).where(User.id.in_(select(AuditEntry.actor_id).distinct())).order_by(User.name)
    ).all()
    return render_template(
        "admin/audit/list.html",
        actors=actors,
        entity_types=db.session.scalars(
            select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
        ).all(),
        actions=db.session.scalars(
            select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        ).all(),
        **context,
    )
