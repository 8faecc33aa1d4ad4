"""Drive pages for owners and the public, the pledge box, and cover images."""

from flask import abort, current_app, flash, render_template, send_file
from flask_login import current_user, login_required

from portal import clock
from portal.charity import bp, queries, rules, services
from portal.charity.forms import PledgeForm
from portal.charity.models import Drive
from portal.extensions import db
from portal.web import local_today, page_or_fragment, perform, see_other, wants_fragment


def _visible_drive(drive_id: int) -> Drive:
    """An open or closed drive; drafts only for staff previewing them."""
    drive = db.session.get(Drive, drive_id)
    if drive is None or not rules.visible_to(drive, current_user):
        abort(404)
    return drive


def _pledge_form(drive: Drive, recognition: str | None = None) -> PledgeForm:
    """The pledge form bound to the request; a fresh one keeping `recognition` after a pledge."""
    form = PledgeForm() if recognition is None else PledgeForm(formdata=None)
    if recognition is not None:
        form.recognition.data = recognition
    if not form.recognition.data:
        named = current_user.is_authenticated and current_user.consent_recognition
        form.recognition.data = "name" if named else "anonymous"
    form.amount.label.text = (
        "Your pledge in dollars" if drive.is_money else f"How many {drive.unit_label or 'items'}"
    )
    return form


def _drive_context(drive: Drive, form: PledgeForm, thanks: str | None = None) -> dict:
    """Everything the drive page and its fragments show (a fixed number of queries)."""
    page = queries.drive_page(db.session, drive, current_user, local_today())
    return {**page, "now": clock.now(), "form": form, "thanks": thanks}


def _drives_with_totals(drives: list[Drive]) -> dict:
    """A list of drives with their progress (two queries)."""
    totals = queries.totals_for(db.session, drives)
    return {"drives": drives, "totals": totals, "today": local_today()}


@bp.route("/")
def index():
    """Every drive the club has run: open ones first."""
    return render_template(
        "charity/index.html", **_drives_with_totals(queries.public_drives(db.session))
    )


@bp.route("/<int:drive_id>")
def drive(drive_id: int):
    """The drive's story, progress, honour roll and pledge box."""
    drive = _visible_drive(drive_id)
    return render_template("charity/drive.html", **_drive_context(drive, _pledge_form(drive)))


def _record_pledge(drive: Drive, form: PledgeForm) -> str | None:
    """Record the owner's pledge: the thank-you to show, or None with the refusal on the form."""
    outcome = perform(
        lambda: services.record_pledge(
            db.session,
            drive=drive,
            user=current_user,
            **form.values(drive),
            now=clock.now(),
            today=local_today(),
        ),
        form,
        "amount",
    )
    if not outcome.ok:
        return None
    return (
        f"Thank you, {current_user.first_name}. Your pledge of "
        f"{drive.format_amount(outcome.value.amount)} is on the board."
    )


@bp.post("/<int:drive_id>/pledge")
@login_required
def pledge(drive_id: int):
    """Pledge to a drive: htmx gets the box and the new progress bar, others a redirect."""
    drive = _visible_drive(drive_id)
    form = _pledge_form(drive)
    thanks = _record_pledge(drive, form) if form.validate_on_submit() else None
    if thanks and not wants_fragment():
        flash(thanks, "success")
        return see_other("charity.drive", drive_id=drive.id, _anchor="pledge-box")
    if thanks:
        form = _pledge_form(drive, recognition=form.recognition.data)
    return page_or_fragment(
        "charity/drive.html",
        "charity/_pledge_response.html",
        200 if thanks else 422,
        **_drive_context(drive, form, thanks),
    )


@bp.route("/<int:drive_id>/cover")
def cover(drive_id: int):
    """The drive's cover image, with the type we checked when it was uploaded."""
    drive = _visible_drive(drive_id)
    if not drive.cover_filename:
        abort(404)
    path = rules.cover_path(current_app.instance_path, drive.cover_filename)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=drive.cover_content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


def event_drives(event) -> dict:
    """The open drives an event is part of, for "Part of ..." on the event page (one query)."""
    return {"drives": queries.open_drives_of_event(db.session, event.id)}
