"""Staff pages for visits: find a car, complete a visit on it, read a completed visit."""

import secrets
from pathlib import Path

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user
from wtforms import SelectChoice

from portal import clock, web
from portal.extensions import db
from portal.security import allow_large_body
from portal.visits import queries, services
from portal.visits.forms import CarSearchForm, CompleteVisitForm, validate_visit_form
from portal.visits.media import Upload
from portal.visits.rules import cents, money
from portal.web import admin_bp as bp

allow_large_body("admin.visit_complete", "PORTAL_VISIT_UPLOAD_MAX_BYTES")


def media_store() -> services.MediaStore:
    """The media folder and the per-file limits, from the settings."""
    config = current_app.config
    return services.MediaStore(
        folder=Path(config["PORTAL_VISIT_MEDIA_FOLDER"]),
        photo_limit=config["PORTAL_VISIT_PHOTO_MAX_BYTES"],
        video_limit=config["PORTAL_VISIT_VIDEO_MAX_BYTES"],
    )


@bp.route("/visits")
def visits():
    """Complete a visit: find the car by VIN or owner; the latest completed visits."""
    form = CarSearchForm(request.args)
    cars = queries.find_cars(db.session, form.q.data) if request.args and form.validate() else []
    return render_template(
        "admin/visits/index.html",
        form=form,
        cars=cars,
        searched=bool(request.args),
        recent=queries.recent_visits(db.session),
    )


def _details(form: CompleteVisitForm) -> services.VisitDetails:
    lines = [
        services.LineInput(
            kind=row["kind"].data,
            description=row["description"].data.strip(),
            quantity=row["quantity"].data,
            unit_price_minor=cents(row["price"].data),
        )
        for row in form.line_rows()
        if (row["description"].data or "").strip()
    ]
    advice = [
        services.AdviceInput(row["what"].data.strip(), row["due_on"].data, row["due_miles"].data)
        for row in form.advice_rows()
        if (row["what"].data or "").strip()
    ]
    return services.VisitDetails(
        summary=form.summary.data or "",
        mileage=form.mileage.data,
        show_prices=form.show_prices.data,
        recall_code=form.recall_code.data or None,
        lines=lines,
        recommendations=advice,
    )


def _uploads(form: CompleteVisitForm) -> list[Upload]:
    return [
        Upload(
            row["file"].data.filename or "",
            row["file"].data.mimetype,
            row["file"].data.stream,
            row["alt"].data.strip(),
        )
        for row in form.media_rows()
        if row["file"].data
    ]


def _complete(vehicle, form: CompleteVisitForm, booking) -> services.Completed:
    return services.complete_visit(
        db.session,
        vehicle=vehicle,
        advisor=current_user._get_current_object(),
        details=_details(form),
        # A booking's write-up happens once, whichever page or tab it was opened from.
        key=f"booking:{booking.id}" if booking else f"form:{form.submission.data}",
        now=clock.now(),
        today=web.local_today(),
        uploads=_uploads(form),
        store=media_store(),
        booking_id=booking.id if booking else None,
    )


def _booking(vehicle, form: CompleteVisitForm):
    """The lane booking the write-up was opened from (`?booking=`, then the form's field)."""
    if not form.is_submitted():
        form.booking.data = request.args.get("booking", "")
    if not form.booking.data:
        return None
    if not form.booking.data.isdigit() or len(form.booking.data) > 9:
        abort(404)
    return web.found_or_404(
        queries.booking_to_write_up(db.session, vehicle, int(form.booking.data))
    )


def _audit(done: services.Completed) -> None:
    if done.created:
        visit = done.visit
        web.audit(
            "complete",
            "visit",
            visit.id,
            f"Completed a visit on {visit.vehicle.label}",
            after={"vehicle_id": visit.vehicle_id, "points": visit.points},
        )


@bp.route("/visits/cars/<int:vehicle_id>/complete", methods=["GET", "POST"])
def visit_complete(vehicle_id: int):
    """Complete a visit on a car: the work, advice for later, photos and clips."""
    vehicle = web.found_or_404(queries.staff_vehicle(db.session, vehicle_id))
    form = CompleteVisitForm()
    recalls = queries.open_recalls(db.session, vehicle, web.local_today())
    form.recall_code.choices = [SelectChoice("", "None")] + [
        SelectChoice(r.code, f"{r.code}: {r.title}") for r in recalls
    ]
    if not form.is_submitted():
        form.submission.data = secrets.token_urlsafe(24)
    booking = _booking(vehicle, form)
    if booking and (written := queries.visit_for_booking(db.session, booking.id)):
        return web.see_other("admin.visit_detail", visit_id=written.id)
    if validate_visit_form(form):
        outcome = web.perform_in_form(lambda: _complete(vehicle, form, booking), form, then=_audit)
        if outcome.ok:
            done = outcome.value
            flash(_completed_message(done), "success" if done.created else "info")
            return web.see_other("admin.visit_detail", visit_id=done.visit.id)
    page = render_template(
        "admin/visits/complete.html", form=form, vehicle=vehicle, booking=booking
    )
    return page, 422 if form.errors or form.form_errors else 200


def _completed_message(done: services.Completed) -> str:
    owner = done.visit.owner.first_name
    if not done.created:
        return "This visit was already completed; nothing was added twice."
    earned = f" {owner} earned {done.points:,} points." if done.points else ""
    return f"Visit completed: {owner} can see it on the car's page.{earned}"


@bp.route("/visits/<int:visit_id>")
def visit_detail(visit_id: int):
    """One completed visit, as the owner sees it (prices always shown to staff)."""
    visit = web.found_or_404(queries.visit_for_staff(db.session, visit_id))
    return render_template(
        "admin/visits/detail.html", visit=visit, vehicle=visit.vehicle, money=money
    )
