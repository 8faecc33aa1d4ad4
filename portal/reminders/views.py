"""My reminders: what each car needs, with in-place actions; and the home page section."""

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.services import notify
from portal.reminders import bp, owner
from portal.reminders.forms import DoneForm, SnoozeForm, VisitForm
from portal.web import local_today

#: How many reminders the home page shows.
HOME_LIMIT = 3


def dom_id(key: str) -> str:
    """An HTML id (and form prefix) for a reminder key."""
    return "reminder-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


@bp.app_template_filter("reminder_dom_id")
def reminder_dom_id(key: str) -> str:
    return dom_id(key)


def _forms(key: str, visit_form: VisitForm | None = None) -> dict:
    prefix = dom_id(key)
    return {
        "snooze": SnoozeForm(prefix=prefix + "-snooze", formdata=None),
        "done": DoneForm(prefix=prefix + "-done", formdata=None),
        "visit": visit_form or VisitForm(prefix=prefix + "-visit", formdata=None),
    }


def _is_fragment_request() -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def _render_reminder(page, key: str, status: int = 200, visit_form=None, just_requested=False):
    found = page.find(key)
    if found is None:
        return render_template("reminders/_done.html", key=key), status
    reminder, group = found
    return (
        render_template(
            "reminders/_reminder.html",
            reminder=reminder,
            group=group,
            page=page,
            forms=_forms(key, visit_form),
            open_visit_form=visit_form is not None,
            just_requested=just_requested,
        ),
        status,
    )


@bp.route("/reminders")
@login_required
def index():
    """The owner's reminders, grouped by car, most pressing first."""
    today = local_today()
    page = owner.owner_reminders(db.session, current_user, today)
    return render_template("reminders/index.html", page=page, forms_for=_forms)


def _after_action(key: str, message: str):
    """htmx: the reminder redrawn in place; otherwise back to the page (303)."""
    db.session.commit()
    if _is_fragment_request():
        today = local_today()
        page = owner.owner_reminders(db.session, current_user, today)
        return _render_reminder(page, key)
    flash(message, "success")
    return redirect(url_for("reminders.index") + "#" + dom_id(key), code=303)


@bp.post("/reminders/<key>/snooze")
@login_required
def snooze(key: str):
    """Snooze a reminder for 7 or 30 days."""
    form = SnoozeForm(prefix=dom_id(key) + "-snooze")
    if not form.validate_on_submit():
        abort(400)
    today = local_today()
    try:
        until = owner.snooze(db.session, current_user, key, form.days.data, today)
    except LookupError:
        abort(404)
    except ServiceError:
        abort(400)
    return _after_action(key, f"Snoozed until {until:%a} {until.day} {until:%b}.")


@bp.post("/reminders/<key>/unsnooze")
@login_required
def unsnooze(key: str):
    """Bring a snoozed reminder back now."""
    today = local_today()
    try:
        owner.unsnooze(db.session, current_user, key, today)
    except LookupError:
        abort(404)
    return _after_action(key, "The reminder is back.")


@bp.post("/reminders/<key>/done")
@login_required
def done(key: str):
    """Mark a reminder done; a service or recall goes into the car's history."""
    form = DoneForm(prefix=dom_id(key) + "-done")
    if not form.validate_on_submit():
        abort(400)
    today = local_today()
    try:
        reminder, group = owner.mark_done(
            db.session, current_user, key, today, miles=form.miles.data
        )
    except LookupError:
        abort(404)
    except ServiceError:
        abort(400)
    if reminder.kind in owner.RECORDED_AS_SERVICE:
        message = f"Thank you: we've added it to the {group.car.label}'s service history."
    else:
        message = "Marked done. Thank you."
    return _after_action(key, message)


@bp.post("/reminders/<key>/visit")
@login_required
def request_visit(key: str):
    """Ask the service team for a visit (preferred day, time of day, a note)."""
    form = VisitForm(prefix=dom_id(key) + "-visit")
    today = local_today()
    error = None
    if form.validate_on_submit():
        try:
            visit = owner.request_visit(
                db.session,
                current_user,
                key,
                preferred_day=form.preferred_day.data,
                time_window=form.time_window.data,
                note=form.note.data or "",
                today=today,
            )
        except LookupError:
            abort(404)
        except ServiceError as service_error:
            error = service_error
            db.session.rollback()
        else:
            ids = _confirm_visit(visit)
            db.session.commit()
            dispatch(ids)
            if _is_fragment_request():
                page = owner.owner_reminders(db.session, current_user, today)
                return _render_reminder(page, key, just_requested=True)
            flash("Thank you: the service team will be in touch to confirm a time.", "success")
            return redirect(url_for("reminders.index") + "#" + dom_id(key), code=303)
    if error is not None:
        field = getattr(form, error.field or "", None)
        (field.errors if field is not None else form.form_errors).append(error.message)
    page = owner.owner_reminders(db.session, current_user, today)
    if page.find(key) is None:
        abort(404)
    if _is_fragment_request():
        return _render_reminder(page, key, status=422, visit_form=form)
    return (
        render_template(
            "reminders/index.html", page=page, forms_for=_forms, failed_key=key, failed_form=form
        ),
        422,
    )


def _confirm_visit(visit) -> list[int]:
    """A confirmation in the owner's inbox (and on their channel) that we got the request."""
    car = visit.vehicle
    when = f"{visit.preferred_day:%A} {visit.preferred_day.day} {visit.preferred_day:%B}"
    body = (
        f"Hello {current_user.first_name},\n\n"
        f"Thank you for asking for a visit for your {car.label}: {visit.topic}. "
        f"You'd prefer {when}, {visit.time_window_label.lower()}.\n\n"
        "Our service team will call or write to confirm a time that works. "
        "Nothing else to do for now."
    )
    created = notify(
        db.session,
        user=current_user,
        key=f"visit-request:{visit.id}",
        kind="service",
        subject=f"We've received your visit request for your {car.label}",
        body=body,
        now=clock.now(),
        action_path=url_for("reminders.index"),
        action_label="See my reminders",
    )
    current_app.logger.info("Service visit request %s from user %s", visit.id, current_user.id)
    return [created] if created else []


def home_section(user) -> dict:
    """The owner's most pressing reminders, for the home page (a fixed number of queries)."""
    today = local_today()
    page = owner.owner_reminders(db.session, user, today)
    return {"pressing": page.pressing(HOME_LIMIT), "total": len(page.pressing(1000))}
