"""Garage pages: the owner's cars, one car's record, and the small actions on it."""

from collections.abc import Callable

from flask import abort, flash, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from portal import clock
from portal.extensions import db
from portal.garage import bp, queries, services
from portal.garage.forms import (
    OdometerForm,
    ProtectionForm,
    RetireForm,
    ServiceRecordForm,
    VehicleForm,
)
from portal.garage.models import Vehicle
from portal.garage.rules import past_car_message
from portal.links import kept_per_mount, url_pattern
from portal.sections import render_sections
from portal.web import (
    form_page,
    local_today,
    page_or_fragment,
    perform_in_form,
    see_other,
    wants_fragment,
)

#: The car page's sections an action can change, with the form each one holds.
COMPONENTS = {
    "odometer": ("garage/_odometer.html", "odometer_form", OdometerForm),
    "service": ("garage/_service.html", "service_form", ServiceRecordForm),
    "protection": ("garage/_protection.html", "protection_form", ProtectionForm),
    "retire": ("garage/_retire.html", "retire_form", RetireForm),
}


def _owned_vehicle(vehicle_id: int) -> Vehicle:
    """The signed-in owner's car with its history; anyone else's is a 404."""
    vehicle = queries.vehicle_for_owner(db.session, current_user, vehicle_id)
    if vehicle is None:
        abort(404)
    return vehicle


def _car_context(vehicle: Vehicle, **forms) -> dict:
    """Everything the car page and its fragments show; blank forms unless given."""
    today = local_today()
    for name, (_, form_name, form_class) in COMPONENTS.items():
        forms.setdefault(form_name, form_class(formdata=None, prefix=name))
    forms["odometer_form"].read_on.data = forms["odometer_form"].read_on.data or today
    return {
        **queries.car_record(vehicle, today),
        "today": today,
        # Other domains' sections (a visit's story); loaded only when the whole page renders.
        "car_sections": lambda: render_sections("car", vehicle),
        **forms,
    }


@bp.route("/garage")
@login_required
def index():
    """My garage: the owner's cars with their mileage, and the cars they used to have."""
    active, past = queries.garage_page(db.session, current_user, local_today())
    add_url, car_url = _garage_links()
    return render_template(
        "garage/index.html", active=active, past=past, add_url=add_url, car_url=car_url
    )


#: Where the app keeps the garage's links (`app.extensions[...]`), by the path it is mounted at.
_KEPT_LINKS = "portal.garage_links"


def _garage_links() -> tuple[str, str]:
    """(adding a car, a car's page with `{}` for its id), built once per mount point."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: (url_for("garage.add"), url_pattern("garage.car", "vehicle_id")),
    )


def _details_from(form: VehicleForm) -> services.VehicleDetails:
    return services.VehicleDetails(
        **{name: form[name].data for name in services.VehicleDetails.__dataclass_fields__}
    )


@bp.route("/garage/add", methods=["GET", "POST"])
@login_required
def add():
    """Add a car to the garage; make and year come from the VIN when left blank."""
    form = VehicleForm()
    if form.validate_on_submit():
        outcome = perform_in_form(
            lambda: services.add_vehicle(
                db.session, current_user, _details_from(form), local_today()
            ),
            form,
        )
        if outcome.ok:
            flash(f"{outcome.value.label} is in your garage.", "success")
            return see_other("garage.car", vehicle_id=outcome.value.id)
    return form_page("garage/vehicle_form.html", form, vehicle=None)


@bp.route("/garage/<int:vehicle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(vehicle_id: int):
    """Change a car's details."""
    vehicle = _owned_vehicle(vehicle_id)
    if not vehicle.is_active:
        flash(past_car_message(vehicle.label), "info")
        return see_other("garage.car", vehicle_id=vehicle.id)
    form = VehicleForm(obj=vehicle)
    if form.validate_on_submit():
        outcome = perform_in_form(
            lambda: services.update_vehicle(
                db.session, current_user, vehicle, _details_from(form), local_today()
            ),
            form,
        )
        if outcome.ok:
            flash(f"Saved the details of {vehicle.label}.", "success")
            return see_other("garage.car", vehicle_id=vehicle.id)
    return form_page("garage/vehicle_form.html", form, vehicle=vehicle)


@bp.route("/garage/<int:vehicle_id>")
@login_required
def car(vehicle_id: int):
    """One car: details, warranty and cover, odometer and service history."""
    vehicle = _owned_vehicle(vehicle_id)
    return render_template("garage/car.html", **_car_context(vehicle))


def _act(vehicle_id: int, component: str, action: Callable[[Vehicle, FlaskForm], str]):
    """Run `action(vehicle, form)` on a valid form (it saves, and returns the message that
    says so), then answer: the section for htmx (422 with errors), else PRG or the page."""
    vehicle = _owned_vehicle(vehicle_id)
    template, form_name, form_class = COMPONENTS[component]
    form, saved = form_class(prefix=component), None
    if form.validate_on_submit():
        saved = perform_in_form(lambda: action(vehicle, form), form).value
        vehicle = _owned_vehicle(vehicle_id)  # fresh, with the history as stored
    if saved is not None and not wants_fragment():
        flash(saved, "success")
        return see_other("garage.car", vehicle_id=vehicle_id, _anchor=component)
    failed = saved is None
    context = _car_context(vehicle, **({form_name: form} if failed else {}))
    status = 422 if failed else 200
    return page_or_fragment(
        "garage/car.html", template, status, saved=saved, refresh_others=not failed, **context
    )


def _save_reading(vehicle: Vehicle, form: OdometerForm) -> str:
    reading = services.record_odometer(
        db.session, vehicle, form.read_on.data, form.miles.data, local_today()
    )
    return f"Saved {reading.miles:,} miles for {vehicle.label}."


def _save_visit(vehicle: Vehicle, form: ServiceRecordForm) -> str:
    services.add_service_record(db.session, vehicle, **form.values(), today=local_today())
    return f"Added the visit to {vehicle.label}'s service history."


def _save_product(vehicle: Vehicle, form: ProtectionForm) -> str:
    product = services.add_protection_product(db.session, vehicle, **form.values())
    return f"Added {product.name} to {vehicle.label}."


def _retire(vehicle: Vehicle, form: RetireForm) -> str:
    services.retire_vehicle(db.session, vehicle, form.reason.data, clock.now())
    return f"{vehicle.label} is now under Past cars in your garage, with its history."


@bp.post("/garage/<int:vehicle_id>/odometer")
@login_required
def add_reading(vehicle_id: int):
    """Add an odometer reading."""
    return _act(vehicle_id, "odometer", _save_reading)


@bp.post("/garage/<int:vehicle_id>/service")
@login_required
def add_service(vehicle_id: int):
    """Add a visit to the service history."""
    return _act(vehicle_id, "service", _save_visit)


@bp.post("/garage/<int:vehicle_id>/protection")
@login_required
def add_protection(vehicle_id: int):
    """Record a protection product on the car."""
    return _act(vehicle_id, "protection", _save_product)


@bp.post("/garage/<int:vehicle_id>/retire")
@login_required
def retire(vehicle_id: int):
    """Move a sold or passed-on car to the owner's past cars."""
    return _act(vehicle_id, "retire", _retire)


def home_cars_read(user) -> tuple:
    """What the home page's garage section reads, in the page's one statement."""
    return queries.home_cars_read(user.id)


def home_cars(user, rows: list[tuple]) -> dict:
    """The owner's active cars with their mileage, for the home page, and the pattern of
    their links (one `url_for` for the list)."""
    cars = queries.home_cars_from(rows)
    return {"cars": cars, "car_url": url_pattern("garage.car", "vehicle_id") if cars else None}
