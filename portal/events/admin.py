"""Coordinators' event pages: create, edit, publish, cancel, attendees, check-in, exports."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import clock
from portal.csvsafe import csv_response
from portal.db import write_in_own_transaction
from portal.errors import ServiceError
from portal.events import queries
from portal.events.forms import CancelEventForm, EventForm
from portal.events.models import AUDIENCE_LABELS, Event, EventStatus, Rsvp, RsvpStatus
from portal.events.services import planning as services
from portal.events.services import rsvps
from portal.extensions import db
from portal.forms import EmptyForm
from portal.notifications.dispatch import dispatch
from portal.security import hash_token
from portal.templating import dealership, local_datetime
from portal.web import admin_bp as bp
from portal.web import audit, list_args, page_number, per_page, snapshot, sort_params

#: An owner's page lists this many of their past events.
OWNER_PAST_EVENTS = 10


#: What an event's audit entries record, before and after a change.
AUDITED_FIELDS = (*services.EDITABLE, "capacity", "status")


def _tz() -> str:
    return dealership()["timezone"]


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _owner_event_url(event_id: int) -> str:
    return url_for("events.show", event_id=event_id)


@bp.route("/events")
def events_index():
    """Upcoming (or past) events with seats, waitlist and check-ins at a glance."""
    past = request.args.get("past") == "1"
    sort, descending = sort_params(tuple(queries.COORDINATOR_SORTS), "date", past)
    page = db.paginate(
        queries.events_for_coordinators(clock.now(), past, sort, descending),
        page=page_number(),
        per_page=per_page(),
        error_out=False,
    )
    return render_template(
        "admin/events/index.html",
        page=page,
        counts=services.seat_counts(db.session, [event.id for event in page.items]),
        past=past,
        sort=sort,
        descending=descending,
        list_args=list_args(past=1 if past else None),
    )


def _details(form: EventForm) -> services.EventDetails:
    """The form's values as event details, times converted from the dealership's zone."""
    tz = _tz()
    times = {}
    for name in ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at"):
        value = getattr(form, name).data
        try:
            times[name] = services.local_to_utc(value, tz) if value else None
        except ServiceError as error:
            raise ServiceError(error.message, field=name) from error
    return services.EventDetails(
        title=form.title.data,
        kind=form.kind.data,
        description=form.description.data or "",
        location=form.location.data,
        capacity=form.capacity.data,
        guests_allowed=form.guests_allowed.data,
        audience=form.audience.data,
        early_access_days=form.early_access_days.data,
        ambassador_priority=form.ambassador_priority.data,
        target_make=form.target_make.data,
        target_model=form.target_model.data,
        target_year_from=form.target_year_from.data,
        target_year_to=form.target_year_to.data,
        **times,
    )


def _show_error(form: EventForm, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/events/new", methods=["GET", "POST"])
def events_new():
    """A new event, saved as a draft."""
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(db.session, _details(form), clock.now())
        except ServiceError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            audit(
                "event.create",
                "event",
                event.id,
                f"Created the event “{event.title}”",
                after=snapshot(event, AUDITED_FIELDS),
            )
            db.session.commit()
            flash("Saved as a draft. Publish it when you're ready for owners to see it.", "success")
            return redirect(url_for("admin.events_show", event_id=event.id), code=303)
    return render_template("admin/events/form.html", form=form, event=None, tz=_tz())


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def events_edit(event_id: int):
    """Change an event; calendars pick the change up, owners hear about a new time or place."""
    event = _event_or_404(event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at"):
            getattr(form, name).data = services.utc_to_local(getattr(event, name), _tz())
    if form.validate_on_submit():
        before = snapshot(event, AUDITED_FIELDS)
        try:
            ids = services.update_event(
                db.session,
                event,
                _details(form),
                now=clock.now(),
                tz=_tz(),
                secret_key=current_app.config["SECRET_KEY"],
                event_url=_owner_event_url(event.id),
            )
        except ServiceError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            audit(
                "event.update",
                "event",
                event.id,
                f"Changed the event “{event.title}”",
                before=before,
                after=snapshot(event, AUDITED_FIELDS),
            )
            db.session.commit()
            dispatch(ids)
            flash("Event saved.", "success")
            return redirect(url_for("admin.events_show", event_id=event.id), code=303)
    return render_template("admin/events/form.html", form=form, event=event, tz=_tz())


@bp.route("/events/<int:event_id>")
def events_show(event_id: int):
    """The event's control page: attendee list with check-in, actions and exports."""
    event = _event_or_404(event_id)
    rows = queries.attendees(db.session, event)
    return render_template(
        "admin/events/show.html",
        event=event,
        rows=rows,
        counts=services.seat_counts(db.session, [event.id])[event.id],
        form=EmptyForm(),
        audience_labels=AUDIENCE_LABELS,
    )


@bp.post("/events/<int:event_id>/publish")
def events_publish(event_id: int):
    """Open a draft to owners."""
    event = _event_or_404(event_id)
    if EmptyForm().validate_on_submit():
        try:
            services.publish_event(db.session, event, clock.now())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            audit(
                "event.publish",
                "event",
                event.id,
                f"Published “{event.title}”",
                before={"status": EventStatus.DRAFT.value},
                after={"status": event.status, "published_at": event.published_at},
            )
            db.session.commit()
            flash("Published: owners can see it and RSVP.", "success")
    return redirect(url_for("admin.events_show", event_id=event_id), code=303)


@bp.post("/events/<int:event_id>/invite")
def events_invite(event_id: int):
    """Invite the owners the event suits (those already invited are not asked twice)."""
    event = _event_or_404(event_id)
    if EmptyForm().validate_on_submit():
        try:
            ids = services.invite_owners(
                db.session,
                event,
                now=clock.now(),
                tz=_tz(),
                event_url=_owner_event_url(event.id),
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            audit(
                "event.invite",
                "event",
                event.id,
                f"Invited {len(ids)} owner(s) to “{event.title}”",
                after={"invitations": len(ids)},
            )
            db.session.commit()
            dispatch(ids)
            flash(f"Invited {len(ids)} owner{'' if len(ids) == 1 else 's'}.", "success")
    return redirect(url_for("admin.events_show", event_id=event_id), code=303)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def events_cancel(event_id: int):
    """Call the event off, with a message to everyone who RSVPed."""
    event = _event_or_404(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        before = snapshot(event, ("status", "cancel_message"))
        try:
            ids = services.cancel_event(
                db.session,
                event,
                form.message.data or "",
                now=clock.now(),
                tz=_tz(),
                event_url=url_for("events.index"),
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            audit(
                "event.cancel",
                "event",
                event.id,
                f"Cancelled “{event.title}”; wrote to {len(ids)} owner(s)",
                before=before,
                after=snapshot(event, ("status", "cancel_message")),
            )
            db.session.commit()
            dispatch(ids)
            flash(f"Cancelled. We've written to {len(ids)} owner(s) who RSVPed.", "success")
            return redirect(url_for("admin.events_show", event_id=event_id), code=303)
    waiting = len(queries.attendees(db.session, event, include_cancelled=False))
    return render_template("admin/events/cancel.html", event=event, form=form, waiting=waiting)


@bp.route("/events/<int:event_id>/attendees.csv")
def events_csv(event_id: int):
    """The attendee list as CSV; no cell can run as a spreadsheet formula."""
    event = _event_or_404(event_id)
    rows = queries.attendees(db.session, event)
    tz = _tz()
    return csv_response(
        f"event-{event.id}-attendees.csv",
        ["Name", "Email", "Phone", "Status", "Waitlist place", "Guests", "Checked in"],
        (
            [
                row.user.name,
                row.user.email,
                row.user.phone,
                row.rsvp.status,
                row.position,
                row.rsvp.guests,
                services.utc_to_local(row.rsvp.checked_in_at, tz),
            ]
            for row in rows
        ),
    )


@bp.route("/events/<int:event_id>/sheet")
def events_sheet(event_id: int):
    """A printable check-in sheet: confirmed attendees, name order, a box to tick."""
    event = _event_or_404(event_id)
    rows = [row for row in queries.attendees(db.session, event) if row.rsvp.holds_seat]
    rows.sort(key=lambda row: row.user.name.lower())
    return render_template("admin/events/sheet.html", event=event, rows=rows)


@bp.post("/events/<int:event_id>/rsvps/<int:rsvp_id>/check-in")
def events_check_in(event_id: int, rsvp_id: int):
    """Check an attendee in from the list (the row updates in place with htmx)."""
    found = db.session.scalar(select(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.event_id == event_id))
    if found is None or not EmptyForm().validate_on_submit():
        abort(404 if found is None else 400)
    first_time, found = rsvps.check_in(db.session, rsvp_id=rsvp_id, now=clock.now())
    if first_time:
        _audit_check_in(found, "from the attendee list")
    db.session.commit()
    note = f"{found.user.name} is checked in." if first_time else _not_checked_in_reason(found)
    if request.htmx and not request.htmx.boosted:
        return render_template(
            "admin/events/_check_in_response.html",
            row=queries.Attendee(found, found.user, None),
            event=found.event,
            counts=services.seat_counts(db.session, [event_id])[event_id],
            form=EmptyForm(),
        )
    flash(note, "success" if first_time else "warning")
    return redirect(url_for("admin.events_show", event_id=event_id), code=303)


def _audit_check_in(found: Rsvp, how: str) -> None:
    audit(
        "rsvp.check_in",
        "rsvp",
        found.id,
        f"Checked {found.user.name} in to “{found.event.title}” {how}",
        before={"status": RsvpStatus.CONFIRMED.value, "checked_in_at": None},
        after={"status": found.status, "checked_in_at": found.checked_in_at},
    )


def _not_checked_in_reason(found: Rsvp) -> str:
    if found.event.status == EventStatus.CANCELLED:
        return f"{found.event.title} is cancelled, so nobody is checked in."
    if found.checked_in_at is not None:
        return f"{found.user.name} was already checked in at {local_datetime(found.checked_in_at)}."
    return f"{found.user.name}'s RSVP is {found.status}, so there's no seat to check in."


def _check_in_scanned(rsvp_id: int) -> tuple[bool, Rsvp]:
    first_time, found = rsvps.check_in(db.session, rsvp_id=rsvp_id, now=clock.now())
    if first_time:
        _audit_check_in(found, "by scanning their ticket")
    return first_time, found


@bp.route("/events/checkin/<code>")
def events_checkin(code: str):
    """What a scanned ticket opens: checks the attendee in once, and says so the second time."""
    found = db.session.scalar(select(Rsvp).where(Rsvp.ticket_hash == hash_token(code)))
    if found is None:
        abort(404)
    rsvp_id = found.id
    first_time, found = write_in_own_transaction(db.session, lambda: _check_in_scanned(rsvp_id))
    return render_template(
        "admin/events/checkin.html",
        rsvp=found,
        event=found.event,
        first_time=first_time,
        cancelled_event=found.event.status == EventStatus.CANCELLED,
        reason=None if first_time else _not_checked_in_reason(found),
    )


def owner_events(owner) -> dict:
    """An owner's RSVPs, cancelled ones included, upcoming and past (one query)."""
    upcoming, past = queries.my_events(db.session, owner, clock.now(), include_cancelled=True)
    return {"upcoming": upcoming, "past": past[:OWNER_PAST_EVENTS], "past_total": len(past)}
