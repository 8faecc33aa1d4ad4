"""Staff pages for the service lane: the day's lane, a booking, booking for an owner."""

from datetime import date, timedelta

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from portal import clock, web
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS, EmptyForm
from portal.servicelane import queries, services
from portal.servicelane.forms import BookForm, MoveForm, OwnerLookupForm, StatusForm
from portal.servicelane.models import STATUS_LABELS, ServiceBooking, WorkKind
from portal.servicelane.rules import parse_slot

bp = web.admin_bp

#: How many days ahead the staff's move and booking lists reach.
STAFF_LIST_DAYS = 42
#: What staff can mark from the day's lane, and the button's words.
MARKS = {"arrived": "Arrived", "done": "Done", "no_show": "No-show"}


#: The lane pages reach this far either side of today; a day further off shows today.
LANE_REACH = timedelta(days=3 * 366)


def _day_asked() -> date:
    today = web.local_today()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return today
    return day if abs(day - today) <= LANE_REACH else today


@bp.route("/service/lane")
def service_lane():
    """One day of the lane: each window with its bookings, and what to mark."""
    day = _day_asked()
    return render_template(
        "admin/servicelane/lane.html",
        day=day,
        lane=queries.lane_day(db.session, day),
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        status_form=StatusForm(formdata=None),
        marks=MARKS,
    )


def _booking_or_404(booking_id: int) -> ServiceBooking:
    return web.found_or_404(queries.booking_by_id(db.session, booking_id))


def _staff_days():
    today = web.local_today()
    return queries.openings(
        db.session, today, today + timedelta(days=STAFF_LIST_DAYS), clock.now(), True, True
    )


def _booking_page(booking: ServiceBooking, move_form: MoveForm | None = None):
    return web.forms_page(
        "admin/servicelane/booking.html",
        booking=booking,
        move_form=move_form or MoveForm(formdata=None),
        status_form=StatusForm(formdata=None),
        cancel_form=EmptyForm(),
        days=_staff_days(),
        marks=MARKS,
    )


@bp.route("/service/bookings/<int:booking_id>")
def service_booking(booking_id: int):
    """A booking as staff see it: the owner, the car, the work; mark, move or cancel it."""
    return _booking_page(_booking_or_404(booking_id))


def _audit(booking: ServiceBooking, action: str, summary: str, before: dict | None = None):
    after = {"status": booking.status, "slot_id": booking.slot_id}
    web.audit(
        f"service_booking.{action}",
        "service_booking",
        booking.id,
        summary,
        before=before,
        after=after,
    )


@bp.post("/service/bookings/<int:booking_id>/status")
def service_booking_status(booking_id: int):
    """Mark a booking arrived, done or a no-show. "Done" leads on to the visit's write-up."""
    booking = _booking_or_404(booking_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in MARKS:
        abort(400)
    before = {"status": booking.status, "slot_id": booking.slot_id}
    outcome = web.perform(
        lambda: services.mark(db.session, booking, form.status.data, now=clock.now()),
        then=lambda b: _audit(
            b, form.status.data, f"Marked {b.vehicle.label} {b.status_label.lower()}", before
        ),
    )
    if outcome.ok:
        flash(
            f"{booking.user.name}'s {booking.vehicle.label}: "
            f"{STATUS_LABELS[form.status.data].lower()}.",
            "success",
        )
    if outcome.ok and form.status.data == "done":  # on to the visit's write-up
        return web.see_other("admin.service_booking", booking_id=booking_id, _anchor="visit-story")
    if request.form.get("back") == "lane":
        return web.see_other("admin.service_lane", day=booking.slot.day.isoformat())
    return web.see_other("admin.service_booking", booking_id=booking_id)


@bp.post("/service/bookings/<int:booking_id>/move")
def service_booking_move(booking_id: int):
    """Move a booking for the owner (staff may use any free place, the held share too)."""
    booking = _booking_or_404(booking_id)
    form = MoveForm()
    chosen = parse_slot(form.slot.data) if form.validate_on_submit() else None
    if chosen is None:
        form.slot.errors = [*form.slot.errors, "Choose one of the times listed."]
        return _booking_page(booking, form)
    before = {"status": booking.status, "slot_id": booking.slot_id}
    outcome = web.perform(
        lambda: services.move(
            db.session,
            booking,
            day=chosen[0],
            starts_at=chosen[1],
            now=clock.now(),
            staff=current_user,
        ),
        form,
        "slot",
        then=lambda b: _audit(b, "move", f"Moved {b.user.name}'s booking", before),
    )
    if outcome.ok:
        flash("Moved; the owner has been sent the new time.", "success")
        return web.see_other("admin.service_booking", booking_id=booking_id)
    return _booking_page(_booking_or_404(booking_id), form)


@bp.post("/service/bookings/<int:booking_id>/cancel")
def service_booking_cancel(booking_id: int):
    """Cancel a booking for the owner (they are told) and free its place."""
    booking = _booking_or_404(booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    before = {"status": booking.status, "slot_id": booking.slot_id}
    outcome = web.perform(
        lambda: services.cancel(db.session, booking, now=clock.now(), staff=current_user),
        then=lambda b: _audit(b, "cancel", f"Cancelled {b.user.name}'s booking", before),
    )
    if outcome.ok:
        flash("Cancelled; the owner has been told.", "success")
    return web.see_other("admin.service_booking", booking_id=booking_id)


def _owner_asked() -> User | None:
    email = (request.args.get("email") or "").strip().lower()
    if not email or len(email) > 254 or CONTROL_CHARACTERS.search(email):
        return None
    return db.session.scalar(
        select(User).where(func.lower(User.email) == email, User.role == Role.OWNER)
    )


def _staff_book_form(owner: User, car) -> tuple[BookForm, dict]:
    choices = queries.work_choices(db.session, owner, car.id, web.local_today())
    form = BookForm()
    form.work.choices = [SelectChoice(choice.value, choice.label) for choice in choices]
    if not form.is_submitted():
        form.work.data = choices[0].value
    return form, {choice.value: choice for choice in choices}


def _staff_book(owner: User, car, form: BookForm, choices: dict):
    chosen = parse_slot(form.slot.data)
    if chosen is None:
        form.slot.errors = ["Choose one of the times listed."]
        return None
    choice = choices[form.work.data]
    return web.perform(
        lambda: services.book(
            db.session,
            owner=owner,
            vehicle=car,
            day=chosen[0],
            starts_at=chosen[1],
            work=services.Work(WorkKind(choice.kind), choice.label, choice.reminder_key),
            handover=form.handover.data,
            note=form.note.data or "",
            now=clock.now(),
            staff=current_user,
        ),
        form,
        "slot",
        then=lambda b: _audit(b, "create", f"Booked {owner.name}'s {car.label} in"),
    ).value


@bp.route("/service/book", methods=["GET", "POST"])
def service_book():
    """Book for an owner: find them by email, choose the car, then the time and the work."""
    owner = _owner_asked()
    cars = queries.owner_cars(db.session, owner) if owner else []
    car = next((c for c in cars if c.id == request.args.get("car", type=int)), None)
    form, choices = _staff_book_form(owner, car) if car else (None, {})
    if form is not None and form.validate_on_submit():
        booked = _staff_book(owner, car, form, choices)
        if booked is not None:
            flash(f"Booked; {owner.name} has been sent the confirmation.", "success")
            return web.see_other("admin.service_booking", booking_id=booked.id)
    lookup = OwnerLookupForm(request.args)
    context = {"owner": owner, "cars": cars, "car": car, "lookup": lookup, "days": _staff_days()}
    return web.forms_page("admin/servicelane/book.html", form=form, **context)
