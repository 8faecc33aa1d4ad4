"""Garage pages: the owner's cars, one car's record, and the small actions on it."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.errors import ServiceError
from portal.extensions import db
from portal.garage import bp, services
from portal.garage.forms import (
    OdometerForm,
    ProtectionForm,
    RetireForm,
    ServiceRecordForm,
    VehicleForm,
)
from portal.garage.models import Vehicle
from portal.templating import dealership

#: The car page's sections an action can change, with the form each one holds.
COMPONENTS = {
    "odometer": ("garage/_odometer.html", "odometer_form", OdometerForm),
    "service": ("garage/_service.html", "service_form", ServiceRecordForm),
    "protection": ("garage/_protection.html", "protection_form", ProtectionForm),
    "retire": ("garage/_retire.html", "retire_form", RetireForm),
}


def _today() -> date:
    return clock.local_today(dealership()["timezone"])


def _owned_vehicle(vehicle_id: int) -> Vehicle:
    """The signed-in owner's car with its history; anyone else's is a 404."""
    vehicle = services.vehicle_for_owner(db.session, current_user, vehicle_id)
    if vehicle is None:
        abort(404)
    return vehicle


def _wants_fragment() -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def _car_context(vehicle: Vehicle, **forms) -> dict:
    """Everything the car page and its fragments show; blank forms unless given."""
    today = _today()
    for name, (_, form_name, form_class) in COMPONENTS.items():
        if form_name not in forms:
            forms[form_name] = form_class(formdata=None, prefix=name)
    forms["odometer_form"].read_on.data = forms["odometer_form"].read_on.data or today
    miles = services.current_miles(vehicle)
    return {
        "vehicle": vehicle,
        "miles": miles,
        "today": today,
        "warranty": services.cover_status(
            vehicle.warranty_end_date, vehicle.warranty_miles, miles, today
        ),
        "products": [
            (product, services.cover_status(product.ends_on, product.ends_at_miles, miles, today))
            for product in vehicle.protection_products
        ],
        **forms,
    }


def _apply_field_error(form, error: ServiceError) -> None:
    """Put a service's refusal next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/garage")
@login_required
def index():
    """My garage: the owner's cars with their mileage, and the cars they used to have."""
    cars = services.garage_cars(db.session, current_user)
    today = _today()
    active = [
        (
            car,
            services.cover_status(
                car.vehicle.warranty_end_date, car.vehicle.warranty_miles, car.miles, today
            ),
        )
        for car in cars
        if car.vehicle.is_active
    ]
    past = [car for car in cars if not car.vehicle.is_active]
    return render_template("garage/index.html", active=active, past=past)


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
        try:
            vehicle = services.add_vehicle(db.session, current_user, _details_from(form), _today())
        except ServiceError as error:
            _apply_field_error(form, error)
        else:
            db.session.commit()
            flash(f"{vehicle.label} is in your garage.", "success")
            return redirect(url_for("garage.car", vehicle_id=vehicle.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("garage/vehicle_form.html", form=form, vehicle=None), status


@bp.route("/garage/<int:vehicle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(vehicle_id: int):
    """Change a car's details."""
    vehicle = _owned_vehicle(vehicle_id)
    if not vehicle.is_active:
        flash(f"{vehicle.label} is in your past cars; its record is kept as it was.", "info")
        return redirect(url_for("garage.car", vehicle_id=vehicle.id), code=303)
    form = VehicleForm(obj=vehicle)
    if form.validate_on_submit():
        try:
            services.update_vehicle(
                db.session, current_user, vehicle, _details_from(form), _today()
            )
        except ServiceError as error:
            _apply_field_error(form, error)
        else:
            db.session.commit()
            flash(f"Saved the details of {vehicle.label}.", "success")
            return redirect(url_for("garage.car", vehicle_id=vehicle.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("garage/vehicle_form.html", form=form, vehicle=vehicle), status


@bp.route("/garage/<int:vehicle_id>")
@login_required
def car(vehicle_id: int):
    """One car: details, warranty and cover, odometer and service history."""
    vehicle = _owned_vehicle(vehicle_id)
    return render_template("garage/car.html", **_car_context(vehicle))


def _respond(vehicle: Vehicle, component: str, form, saved: str | None):
    """The htmx fragment (422 with errors), or PRG without JavaScript (errors in the page)."""
    template, form_name, _ = COMPONENTS[component]
    failed = saved is None
    if _wants_fragment():
        forms = {form_name: form} if failed else {}
        context = _car_context(vehicle, **forms)
        return (
            render_template(template, saved=saved, refresh_others=not failed, **context),
            422 if failed else 200,
        )
    if failed:
        return render_template("garage/car.html", **_car_context(vehicle, **{form_name: form})), 422
    flash(saved, "success")
    return redirect(url_for("garage.car", vehicle_id=vehicle.id, _anchor=component), code=303)


def _act(vehicle: Vehicle, component: str, form, action) -> tuple:
    """Validate `form`, run `action()` returning the success message, then respond."""
    vehicle_id, saved = vehicle.id, None
    if form.validate_on_submit():
        try:
            saved = action()
        except ServiceError as error:
            db.session.rollback()
            _apply_field_error(form, error)
        else:
            db.session.commit()
        vehicle = _owned_vehicle(vehicle_id)  # fresh, with the history as stored
    return _respond(vehicle, component, form, saved)


@bp.post("/garage/<int:vehicle_id>/odometer")
@login_required
def add_reading(vehicle_id: int):
    """Add an odometer reading."""
    vehicle = _owned_vehicle(vehicle_id)
    form = OdometerForm(prefix="odometer")

    def action() -> str:
        reading = services.record_odometer(
            db.session, vehicle, form.read_on.data, form.miles.data, _today()
        )
        return f"Saved {reading.miles:,} miles for {vehicle.label}."

    return _act(vehicle, "odometer", form, action)


@bp.post("/garage/<int:vehicle_id>/service")
@login_required
def add_service(vehicle_id: int):
    """Add a visit to the service history."""
    vehicle = _owned_vehicle(vehicle_id)
    form = ServiceRecordForm(prefix="service")

    def action() -> str:
        services.add_service_record(
            db.session,
            vehicle,
            performed_on=form.performed_on.data,
            miles=form.miles.data,
            work_done=form.work_done.data,
            at_dealership=form.where.data == "dealership",
            recall_code=form.recall_code.data,
            today=_today(),
        )
        return f"Added the visit to {vehicle.label}'s service history."

    return _act(vehicle, "service", form, action)


@bp.post("/garage/<int:vehicle_id>/protection")
@login_required
def add_protection(vehicle_id: int):
    """Record a protection product on the car."""
    vehicle = _owned_vehicle(vehicle_id)
    form = ProtectionForm(prefix="protection")

    def action() -> str:
        product = services.add_protection_product(
            db.session,
            vehicle,
            name=form.name.data,
            provider=form.provider.data,
            ends_on=form.ends_on.data,
            ends_at_miles=form.ends_at_miles.data,
        )
        return f"Added {product.name} to {vehicle.label}."

    return _act(vehicle, "protection", form, action)


@bp.post("/garage/<int:vehicle_id>/retire")
@login_required
def retire(vehicle_id: int):
    """Move a sold or passed-on car to the owner's past cars."""
    vehicle = _owned_vehicle(vehicle_id)
    form = RetireForm(prefix="retire")

    def action() -> str:
        services.retire_vehicle(db.session, vehicle, form.reason.data, clock.now())
        return f"{vehicle.label} is now under Past cars in your garage, with its history."

    return _act(vehicle, "retire", form, action)


def home_cars(user) -> dict:
    """The owner's active cars with their mileage, for the home page (one query)."""
    return {"cars": services.garage_cars(db.session, user, active_only=True)}
