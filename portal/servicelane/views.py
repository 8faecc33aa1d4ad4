"""Owners' service pages: their bookings, booking a slot for a car, moving and cancelling."""

from zoneinfo import ZoneInfo

from flask import Response, abort, flash, render_template, request
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal import clock
from portal.dealership.queries import dealership_zone
from portal.extensions import db
from portal.forms import EmptyForm
from portal.garage.queries import vehicle_for_owner
from portal.servicelane import bp, messages, queries, services
from portal.servicelane.forms import BookForm, MoveForm
from portal.servicelane.models import WorkKind
from portal.servicelane.rules import (
    change_deadline,
    is_priority,
    parse_slot,
    priority_sentence,
    slot_start,
)
from portal.templating import dealership
from portal.web import forms_page, found_or_404, local_today, perform, see_other


@bp.app_template_filter("slot_moment")
def slot_moment(day, starts_at):
    """`day|slot_moment(time)`: the aware moment a slot begins (or ends), for `|when`."""
    return slot_start(day, starts_at, ZoneInfo(dealership()["timezone"]))


@bp.route("/service")
@login_required
def index():
    """The owner's bookings, their cars to book in, and what priority booking means."""
    settings = queries.lane_settings(db.session)
    return render_template(
        "servicelane/index.html",
        bookings=queries.owner_bookings(db.session, current_user, local_today()),
        cars=queries.owner_cars(db.session, current_user),
        priority=is_priority(current_user),
        priority_text=priority_sentence(settings),
        settings=settings,
    )


def _car_or_404():
    car_id = request.args.get("car", type=int)
    if car_id is None or not 0 < car_id < 2**31:
        return None
    return found_or_404(vehicle_for_owner(db.session, current_user, car_id))


def _booking_page(car, form: BookForm):
    """The booking page: the car's open slots by day and the form's other choices."""
    days = queries.owner_openings(db.session, current_user, local_today(), clock.now())
    return forms_page(
        "servicelane/book.html",
        form=form,
        car=car,
        days=days,
        priority=is_priority(current_user),
        reminder_key=request.args.get("reminder", ""),
    )


def _book_form(car) -> tuple[BookForm, dict]:
    choices = queries.work_choices(db.session, current_user, car.id, local_today())
    form = BookForm()
    form.work.choices = [SelectChoice(choice.value, choice.label) for choice in choices]
    if not form.is_submitted():
        wanted = request.args.get("reminder", "")
        form.work.data = next(
            (c.value for c in choices if wanted and c.reminder_key == wanted), choices[0].value
        )
    return form, {choice.value: choice for choice in choices}


def _work(choice: queries.WorkChoice) -> services.Work:
    return services.Work(WorkKind(choice.kind), choice.label, choice.reminder_key)


@bp.route("/service/book", methods=["GET", "POST"])
@login_required
def book():
    """Choose a free slot for a car, what it's for, and wait / courtesy car / drop-off."""
    car = _car_or_404()
    if car is None:
        cars = queries.owner_cars(db.session, current_user)
        return render_template("servicelane/choose_car.html", cars=cars)
    form, choices = _book_form(car)
    if form.validate_on_submit():
        booked = _try_booking(car, form, choices)
        if booked is not None:
            return see_other("servicelane.booking", booking_id=booked.id)
    return _booking_page(car, form)


def _try_booking(car, form: BookForm, choices: dict):
    """Book as the form says; the booking, or None with the refusal on the form."""
    chosen = parse_slot(form.slot.data)
    if chosen is None:
        form.slot.errors = ["Choose one of the times listed."]
        return None
    outcome = perform(
        lambda: services.book(
            db.session,
            owner=current_user,
            vehicle=car,
            day=chosen[0],
            starts_at=chosen[1],
            work=_work(choices[form.work.data]),
            handover=form.handover.data,
            note=form.note.data or "",
            now=clock.now(),
        ),
        form,
        "slot",
    )
    return outcome.value


def _own_booking(booking_id: int):
    return found_or_404(queries.booking_for_owner(db.session, current_user, booking_id))


def _booking_context(booking, move_form: MoveForm | None = None) -> dict:
    deadline = booking_deadline(booking, queries.lane_settings(db.session))
    return {
        "booking": booking,
        "move_form": move_form or MoveForm(formdata=None),
        "cancel_form": EmptyForm(),
        "days": queries.owner_openings(db.session, current_user, local_today(), clock.now()),
        "deadline": deadline,
        "can_change": booking.is_changeable and clock.now() < deadline,
    }


def booking_deadline(booking, settings):
    """Until when the owner can move or cancel this booking themselves."""
    slot = booking.slot
    return change_deadline(slot.day, slot.starts_at, settings, dealership_zone(db.session))


@bp.route("/service/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    """One booking: when, what for, its calendar file, and moving or cancelling it."""
    return render_template("servicelane/booking.html", **_booking_context(_own_booking(booking_id)))


@bp.route("/service/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    """The booking as a calendar file."""
    found = _own_booking(booking_id)
    response = Response(
        messages.booking_ics(db.session, found, clock.now()), mimetype="text/calendar"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{messages.ics_file_name(found)}"'
    )
    return response


@bp.post("/service/bookings/<int:booking_id>/move")
@login_required
def move(booking_id: int):
    """Move the booking to another free slot (the old one is given back at the same time)."""
    found = _own_booking(booking_id)
    form = MoveForm()
    if form.validate_on_submit():
        chosen = parse_slot(form.slot.data)
        if chosen is None:
            form.slot.errors = ["Choose one of the times listed."]
        else:
            outcome = perform(
                lambda: services.move(
                    db.session, found, day=chosen[0], starts_at=chosen[1], now=clock.now()
                ),
                form,
                "slot",
            )
            if outcome.ok:
                flash("Your booking has moved; we've sent you the new time.", "success")
                return see_other("servicelane.booking", booking_id=booking_id)
    return forms_page(
        "servicelane/booking.html", **_booking_context(_own_booking(booking_id), form)
    )


@bp.post("/service/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    """Cancel the booking and give its slot back."""
    found = _own_booking(booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = perform(lambda: services.cancel(db.session, found, now=clock.now()))
    if outcome.ok:
        flash(
            f"Your {found.vehicle.label}'s visit is cancelled. Book again whenever suits you.",
            "success",
        )
        return see_other("servicelane.index")
    return see_other("servicelane.booking", booking_id=booking_id)
