"""Staff pages for the lane's capacity (windows, closed days) and its settings: admins only."""

from datetime import timedelta

from flask import abort, flash

from portal import web
from portal.dealership.queries import dealership_zone
from portal.extensions import db
from portal.forms import EmptyForm
from portal.servicelane import capacity, queries
from portal.servicelane.forms import (
    WEEKDAYS,
    CapacityForm,
    ClosureForm,
    LaneSettingsForm,
    WindowForm,
)
from portal.servicelane.models import ServiceClosure, ServiceWindow
from portal.servicelane.rules import DEFAULTS, priority_sentence, slot_start

bp = web.admin_bp


def _capacity_page(window_form=None, closure_form=None):
    return web.forms_page(
        "admin/servicelane/capacity.html",
        windows=_next_times(queries.window_rows(db.session)),
        closures=queries.closures_from(db.session, web.local_today()),
        window_form=window_form or WindowForm(formdata=None),
        closure_form=closure_form or ClosureForm(formdata=None),
        capacity_form=CapacityForm(formdata=None),
        remove_form=EmptyForm(),
        weekdays=WEEKDAYS,
    )


def _next_times(windows: list[ServiceWindow]) -> list[tuple]:
    """Each window with its next start and end, so its times show with their zone."""
    today, zone = web.local_today(), dealership_zone(db.session)
    found = []
    for window in windows:
        day = today + timedelta(days=(window.weekday - today.weekday()) % 7)
        found.append(
            (window, slot_start(day, window.starts_at, zone), slot_start(day, window.ends_at, zone))
        )
    return found


@bp.route("/service/capacity")
@web.admin_required
def service_capacity():
    """The lane's week: windows and the cars each takes; closed days and exceptions."""
    return _capacity_page()


def _window_summary(window: ServiceWindow) -> str:
    return f"{WEEKDAYS[window.weekday]} {window.starts_at:%H:%M}–{window.ends_at:%H:%M}"


def _window_snapshot(window: ServiceWindow) -> dict:
    return {
        "weekday": window.weekday,
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "capacity": window.capacity,
    }


@bp.post("/service/capacity/windows")
@web.admin_required
def service_window_add():
    """Add a window to a weekday."""
    form = WindowForm()
    if form.validate_on_submit():
        outcome = web.perform(
            lambda: capacity.add_window(
                db.session, **form.data_for_service(), today=web.local_today()
            ),
            form,
            "starts_at",
            then=lambda w: web.audit(
                "service_window.create",
                "service_window",
                w.id,
                f"Added the {_window_summary(w)} window",
                after=_window_snapshot(w),
            ),
        )
        if outcome.ok:
            flash(f"Added {_window_summary(outcome.value)}.", "success")
            return web.see_other("admin.service_capacity")
    return _capacity_page(window_form=form)


def _window_or_404(window_id: int) -> ServiceWindow:
    return web.found_or_404(db.session.get(ServiceWindow, window_id))


@bp.post("/service/capacity/windows/<int:window_id>")
@web.admin_required
def service_window_capacity(window_id: int):
    """Change how many cars a window takes."""
    window = _window_or_404(window_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        flash("Give the window's cars as a number from 0 to 100.", "error")
        return web.see_other("admin.service_capacity")
    before = _window_snapshot(window)
    web.perform(
        lambda: capacity.set_window_capacity(
            db.session, window, form.capacity.data, web.local_today()
        ),
        then=lambda w: web.audit(
            "service_window.update",
            "service_window",
            w.id,
            f"Changed the {_window_summary(w)} window",
            before=before,
            after=_window_snapshot(w),
        ),
    )
    return web.see_other("admin.service_capacity")


@bp.post("/service/capacity/windows/<int:window_id>/remove")
@web.admin_required
def service_window_remove(window_id: int):
    """Stop offering a window (bookings already in it stand)."""
    window = _window_or_404(window_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    before, summary = _window_snapshot(window), _window_summary(window)
    web.perform(
        lambda: capacity.remove_window(db.session, window, web.local_today()),
        then=lambda _: web.audit(
            "service_window.delete",
            "service_window",
            window_id,
            f"Removed the {summary} window",
            before=before,
        ),
    )
    flash(f"Removed {summary}.", "success")
    return web.see_other("admin.service_capacity")


@bp.post("/service/capacity/closures")
@web.admin_required
def service_closure_add():
    """Close a date, or give it a different capacity."""
    form = ClosureForm()
    if form.validate_on_submit():
        outcome = web.perform(
            lambda: capacity.save_closure(
                db.session,
                day=form.day.data,
                capacity=form.capacity.data,
                note=form.note.data or "",
                today=web.local_today(),
            ),
            form,
            "day",
            then=lambda c: web.audit(
                "service_closure.update",
                "service_closure",
                c.id,
                f"Exception for {c.day}",
                after={"day": c.day.isoformat(), "capacity": c.capacity, "note": c.note},
            ),
        )
        if outcome.ok:
            flash("Saved the exception.", "success")
            return web.see_other("admin.service_capacity")
    return _capacity_page(closure_form=form)


@bp.post("/service/capacity/closures/<int:closure_id>/remove")
@web.admin_required
def service_closure_remove(closure_id: int):
    """The date runs to its weekday's windows again."""
    closure = web.found_or_404(db.session.get(ServiceClosure, closure_id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    day = closure.day.isoformat()
    web.perform(
        lambda: capacity.remove_closure(db.session, closure, web.local_today()),
        then=lambda _: web.audit(
            "service_closure.delete",
            "service_closure",
            closure_id,
            f"Removed the exception for {day}",
            before={"day": day},
        ),
    )
    return web.see_other("admin.service_capacity")


@bp.route("/service/settings", methods=["GET", "POST"])
@web.admin_required
def service_settings():
    """How far ahead owners book, what ambassadors' priority gives, the change cut-off."""
    settings = queries.lane_settings(db.session)
    form = LaneSettingsForm(obj=settings)
    if form.validate_on_submit():
        values = {key: form[key.removeprefix("servicelane.")].data for key in DEFAULTS}
        outcome = web.perform(
            lambda: capacity.save_lane_settings(db.session, values),
            form,
            then=lambda changes: web.audit_settings("servicelane", changes, DEFAULTS),
        )
        if outcome.ok:
            flash("Saved." if outcome.value else "Nothing changed.", "success")
            return web.see_other("admin.service_settings")
    return web.form_page(
        "admin/servicelane/settings.html", form, priority_text=priority_sentence(settings)
    )
