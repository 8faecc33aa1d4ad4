"""The audit log page: every staff change, filterable, for admins."""

from datetime import date
from zoneinfo import ZoneInfo

from flask import render_template, request

from portal.admin import audit_queries
from portal.db import DATABASE_INT_MAX
from portal.extensions import db
from portal.forms import EARLIEST_DATE, LATEST_DATE
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import admin_required, bounded_int, paginate, wants_fragment

PER_PAGE = 50


def _day(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def _filters() -> dict:
    """The audit log's filters from the query string; blank or nonsense ones are None or ''."""
    return {
        "actor": bounded_int("actor", 0, 0, DATABASE_INT_MAX) or None,
        "entity_type": request.args.get("entity_type", "").strip(),
        "action": request.args.get("action", "").strip(),
        "since": _day("since"),
        "until": _day("until"),
        "entity_id": request.args.get("entity_id", "").strip(),
    }


@bp.route("/audit")
@admin_required
def audit_log():
    """Who changed what, when; newest first, filtered by actor, entity, action and dates."""
    filters = _filters()
    zone = ZoneInfo(dealership()["timezone"])
    page = paginate(audit_queries.audit_entries(filters, zone), per=PER_PAGE)
    context = {"page": page, "filters": filters}
    if wants_fragment():
        return render_template("admin/audit/_entries.html", **context)
    return render_template(
        "admin/audit/list.html", **audit_queries.audit_choices(db.session), **context
    )
