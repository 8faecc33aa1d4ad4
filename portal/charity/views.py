"""Drive pages for owners and the public, the pledge box, and cover images."""

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.charity import bp, covers, links, services
from portal.charity.forms import PledgeForm
from portal.charity.models import Drive, DriveStatus
from portal.errors import ServiceError
from portal.extensions import db
from portal.templating import dealership


def _today():
    return clock.local_today(dealership()["timezone"])


def _visible_drive(drive_id: int) -> Drive:
    """An open or closed drive; drafts only for staff previewing them."""
    drive = db.session.get(Drive, drive_id)
    if drive is None:
        abort(404)
    if drive.status == DriveStatus.DRAFT and not (
        current_user.is_authenticated and current_user.is_staff
    ):
        abort(404)
    return drive


def _pledge_form(drive: Drive, blank: bool = False) -> PledgeForm:
    """The pledge form, bound to the request unless `blank` (a fresh one after a pledge)."""
    form = PledgeForm(formdata=None) if blank else PledgeForm()
    if not form.recognition.data:
        named = current_user.is_authenticated and current_user.consent_recognition
        form.recognition.data = "name" if named else "anonymous"
    form.amount.label.text = (
        "Your pledge in dollars" if drive.is_money else f"How many {drive.unit_label or 'items'}"
    )
    return form


def _drive_context(drive: Drive, form: PledgeForm, thanks: str | None = None) -> dict:
    """Everything the drive page and its fragments show (a fixed number of queries)."""
    today = _today()
    totals = services.drive_totals(db.session, drive)
    owner = current_user if current_user.is_authenticated else None
    return {
        "drive": drive,
        "totals": totals,
        "today": today,
        "days_left": services.days_left(drive, today),
        "accepts_pledges": services.accepts_pledges(drive, today),
        "honour_roll": services.honour_roll(db.session, drive, totals.participants),
        "messages": services.recent_messages(db.session, drive),
        "my_pledges": services.pledges_by(db.session, drive, owner) if owner else [],
        "linked_events": links.events_of_drive(db.session, drive, current_user),
        "now": clock.now(),
        "form": form,
        "thanks": thanks,
    }


@bp.route("/")
def index():
    """Every drive the club has run: open ones first."""
    drives = services.public_drives(db.session)
    return render_template(
        "charity/index.html",
        drives=drives,
        totals=services.totals_for(db.session, drives),
        today=_today(),
    )


@bp.route("/<int:drive_id>")
def drive(drive_id: int):
    """The drive's story, progress, honour roll and pledge box."""
    drive = _visible_drive(drive_id)
    return render_template("charity/drive.html", **_drive_context(drive, _pledge_form(drive)))


@bp.post("/<int:drive_id>/pledge")
@login_required
def pledge(drive_id: int):
    """Pledge to a drive: htmx gets the box and the new progress bar, others a redirect."""
    drive = _visible_drive(drive_id)
    form = _pledge_form(drive)
    thanks = None
    if form.validate_on_submit():
        scale = 100 if drive.is_money else 1
        try:
            contribution = services.record_pledge(
                db.session,
                drive=drive,
                user=current_user,
                amount=form.amount.data * scale,
                message=form.message.data,
                show_name=form.recognition.data == "name",
                now=clock.now(),
                today=_today(),
            )
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "amount").errors.append(error.message)
        else:
            db.session.commit()
            thanks = (
                f"Thank you, {current_user.first_name}. Your pledge of "
                f"{drive.format_amount(contribution.amount)} is on the board."
            )
            if not request.htmx or request.htmx.boosted:
                flash(thanks, "success")
                return redirect(
                    url_for("charity.drive", drive_id=drive.id, _anchor="pledge-box"), 303
                )
            recognition = form.recognition.data
            form = _pledge_form(drive, blank=True)
            form.recognition.data = recognition
    context = _drive_context(drive, form, thanks)
    status = 200 if thanks else 422
    if request.htmx and not request.htmx.boosted:
        return render_template("charity/_pledge_response.html", **context), status
    return render_template("charity/drive.html", **context), status


@bp.route("/<int:drive_id>/cover")
def cover(drive_id: int):
    """The drive's cover image, with the type we checked when it was uploaded."""
    drive = _visible_drive(drive_id)
    if not drive.cover_filename:
        abort(404)
    path = covers.cover_path(current_app.instance_path, drive.cover_filename)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=drive.cover_content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


def community_drives(user) -> dict:
    """Open drives on the community page, with their progress (two queries)."""
    drives = services.open_drives(db.session)
    return {
        "drives": drives,
        "totals": services.totals_for(db.session, drives),
        "today": _today(),
    }


def event_drives(event) -> dict:
    """The open drives an event is part of, for "Part of ..." on the event page (one query)."""
    return {"drives": links.open_drives_of_event(db.session, event.id)}
