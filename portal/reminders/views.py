"""My reminders: what each car needs, with in-place actions; and the home page section."""

from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from portal import clock
from portal.extensions import db
from portal.garage.queries import vehicle_for_owner
from portal.garage.services import add_service_record, record_odometer
from portal.links import kept_per_mount
from portal.reminders import bp, cards, services
from portal.reminders.cards import dom_id
from portal.reminders.forms import DoneForm, LastServiceForm, MilesForm, SnoozeForm, VisitForm
from portal.reminders.home_lines import home_lines
from portal.reminders.queries.pages import (
    CarReminders,
    OwnerReminders,
    home_reminders,
    owner_reminders,
)
from portal.reminders.rules import Reminder
from portal.templating import dealership
from portal.web import (
    found_or_404,
    local_today,
    perform,
    perform_in_form,
    see_other,
    wants_fragment,
)

T = TypeVar("T")

#: How many reminders the home page shows.
HOME_LIMIT = 3
#: Where the app keeps the reminders page's URL for the home page's lines (`kept_per_mount`).
_KEPT_PAGE_URL = "portal.reminders.page_url"


@bp.app_template_filter("reminder_dom_id")
def reminder_dom_id(key: str) -> str:
    """`dom_id` for templates."""
    return dom_id(key)


def _drawing(page: OwnerReminders, **failed) -> cards.Drawing:
    """What the cards of this response share; `failed` names a form that failed validation
    (`cards.FailedForms`)."""
    return cards.Drawing(
        page,
        cards.CardLinks.for_this_page(),
        generate_csrf(),
        cards.FailedForms(**failed) if failed else cards.NO_FAILED_FORMS,
    )


def _whole_page(page: OwnerReminders, status: int = 200, **failed):
    """The page, its cars drawn by `cards`; with a failed form's errors in place."""
    markup = cards.cars(_drawing(page, **failed))
    return render_template("reminders/index.html", page=page, cars=markup), status


def _page_zone() -> ZoneInfo:
    """The dealership's time zone as the page's layout reads it once per request (as
    `local_today` does), not another reading and copy of the settings."""
    return ZoneInfo(dealership()["timezone"])


def _my_reminders() -> OwnerReminders:
    owner = current_user._get_current_object()  # the user itself: the loader reads it often
    zone = _page_zone()
    today = clock.now().astimezone(zone).date()
    return owner_reminders(db.session, owner, today, with_visits=True, zone=zone)


def _owned(key: str) -> tuple[OwnerReminders, Reminder, CarReminders]:
    """The owner's page with this reminder and its car; another owner's key is a 404."""
    page = _my_reminders()
    found = page.find(key)
    if found is None:
        abort(404)
    return page, *found


def _render_reminder(page, key: str, status: int = 200, visit_form=None, just_requested=False):
    found = page.find(key)
    if found is None:
        return render_template("reminders/_done.html", key=key), status
    reminder, group = found
    failed = {"key": key, "visit": visit_form} if visit_form is not None else {}
    return cards.reminder(
        _drawing(page, **failed),
        reminder,
        group,
        open_visit_form=visit_form is not None,
        just_requested=just_requested,
    ), status


@bp.route("/reminders")
@login_required
def index():
    """The owner's reminders, grouped by car, most pressing first."""
    return _whole_page(_my_reminders())


def _car_acted(vehicle_id: int, message: str):
    """htmx: the car's card redrawn in place (its reminders may all change), with the page's
    count of things to look at (out of band); otherwise back to the page (303)."""
    if wants_fragment():
        page = _my_reminders()
        group = page.car(vehicle_id)
        if group is not None:  # a car not on the page (retired, say) has no card to replace
            card = cards.car(_drawing(page), group)
            summary = render_template("reminders/_summary.html", page=page, out_of_band=True)
            return f"{card}{summary}"
    flash(message, "success")
    return see_other("reminders.index", _anchor=f"car-{vehicle_id}")


def _car_failed(page: OwnerReminders, vehicle_id: int, **failed):
    """The car's card (htmx) or the whole page with the failed form's errors in place (422)."""
    group = page.car(vehicle_id)
    if wants_fragment() and group is not None:  # no card to replace: the page, as without htmx
        return cards.car(_drawing(page, **failed), group), 422
    return _whole_page(page, 422, **failed)


@bp.post("/reminders/cars/<int:vehicle_id>/miles")
@login_required
def update_miles(vehicle_id: int):
    """Record today's odometer, so the car's estimates give way to a reading."""
    vehicle = found_or_404(vehicle_for_owner(db.session, current_user, vehicle_id))
    form = MilesForm(prefix=f"car-{vehicle_id}-miles")
    if form.validate_on_submit():
        today = local_today()
        outcome = perform_in_form(
            lambda: record_odometer(db.session, vehicle, today, form.miles.data, today), form
        )
        if outcome.ok:
            message = f"Thank you: {form.miles.data:,} miles noted for the {vehicle.label}."
            return _car_acted(vehicle_id, message)
    return _car_failed(_my_reminders(), vehicle_id, miles_car=vehicle_id, miles=form)


@bp.post("/reminders/<key>/last-service")
@login_required
def last_service(key: str):
    """When a car with no service on file was last serviced: goes into its service history."""
    page, reminder, group = _owned(key)
    if not reminder.asks_last_service:
        abort(404)
    vehicle = found_or_404(vehicle_for_owner(db.session, current_user, group.car.id))
    form = LastServiceForm(prefix=f"{dom_id(key)}-last")
    if form.validate_on_submit():
        outcome = perform_in_form(
            lambda: add_service_record(
                db.session,
                vehicle,
                performed_on=form.performed_on.data,
                miles=form.miles.data,
                work_done="Last service, as the owner told us in the portal",
                at_dealership=False,
                recall_code=None,
                today=page.today,
            ),
            form,
        )
        if outcome.ok:
            message = f"Thank you: we'll time the {vehicle.label}'s next service from that visit."
            return _car_acted(group.car.id, message)
    return _car_failed(page, group.car.id, key=key, last=form)


def _acted(key: str, message: str, just_requested: bool = False):
    """htmx: the reminder redrawn in place; otherwise back to the page (303)."""
    if wants_fragment():
        return _render_reminder(_my_reminders(), key, just_requested=just_requested)
    flash(message, "success")
    return see_other("reminders.index", _anchor=dom_id(key))


def _checked(key: str, form_class: type[FlaskForm], action: str):
    """The action's form (a bad request unless valid), and the owner's reminder (a 404 unless
    it is theirs) with its car."""
    form = form_class(prefix=f"{dom_id(key)}-{action}")
    if not form.validate_on_submit():
        abort(400)
    _, reminder, group = _owned(key)
    return form, reminder, group


def _done_or_400(form: FlaskForm, action: Callable[[], T]) -> T:
    """Run the service; its refusal is a bad request (the page offers only valid choices)."""
    outcome = perform_in_form(action, form)
    if not outcome.ok:
        abort(400)
    return outcome.value


@bp.post("/reminders/<key>/snooze")
@login_required
def snooze(key: str):
    """Snooze a reminder for 7 or 30 days."""
    form, reminder, _ = _checked(key, SnoozeForm, "snooze")
    until = _done_or_400(
        form,
        lambda: services.snooze(db.session, current_user, reminder, form.days.data, local_today()),
    )
    return _acted(key, f"Snoozed until {until:%a} {until.day} {until:%b}.")


@bp.post("/reminders/<key>/unsnooze")
@login_required
def unsnooze(key: str):
    """Bring a snoozed reminder back now."""
    _, reminder, _ = _owned(key)
    perform(lambda: services.unsnooze(db.session, current_user, reminder))
    return _acted(key, "The reminder is back.")


@bp.post("/reminders/<key>/done")
@login_required
def done(key: str):
    """Mark a reminder done; a service or recall goes into the car's history."""
    form, reminder, group = _checked(key, DoneForm, "done")
    in_history = _done_or_400(
        form,
        lambda: services.mark_done(
            db.session, current_user, reminder, local_today(), miles=form.miles.data
        ),
    )
    if in_history:
        return _acted(key, f"Thank you: we've added it to the {group.car.label}'s service history.")
    return _acted(key, "Marked done. Thank you.")


@bp.post("/reminders/<key>/visit")
@login_required
def request_visit(key: str):
    """Ask the service team for a visit (preferred day, time of day, a note)."""
    form = VisitForm(prefix=dom_id(key) + "-visit")
    page, reminder, group = _owned(key)
    if form.validate_on_submit():
        outcome = perform_in_form(
            lambda: services.request_visit(
                db.session,
                current_user,
                reminder,
                group.car,
                **form.values(),
                today=page.today,
                now=clock.now(),
            ),
            form,
        )
        if outcome.ok:
            current_app.logger.info(
                "Service visit request %s from user %s", outcome.value.id, current_user.id
            )
            message = "Thank you: the service team will be in touch to confirm a time."
            return _acted(key, message, just_requested=True)
    if wants_fragment():
        return _render_reminder(page, key, status=422, visit_form=form)
    return _whole_page(page, 422, key=key, visit=form)


def home_section(user) -> dict:
    """The owner's most pressing reminders, for the home page (a fixed number of queries):
    the first few with their car, and how many there are."""
    zone = _page_zone()
    today = clock.now().astimezone(zone).date()
    pressing = home_reminders(db.session, user, today, zone)
    shown = pressing[:HOME_LIMIT]
    reminders_url = kept_per_mount(_KEPT_PAGE_URL, lambda: url_for("reminders.index"))
    return {
        "pressing": shown,
        "total": len(pressing),
        "lines": home_lines(shown, reminders_url),
    }
