"""Garage changes: registering, editing and retiring cars, readings, service visits, cover."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.garage.models import (
    OdometerReading,
    ProtectionProduct,
    RetiredReason,
    ServiceRecord,
    Vehicle,
)
from portal.garage.rules import current_miles, decode_vin, past_car_message

T = TypeVar("T")

#: The oldest model year the portal accepts: club members' classics included.
OLDEST_MODEL_YEAR = 1900


@dataclass
class VehicleDetails:
    """What an owner tells us about a car on the add and edit forms."""

    vin: str
    model: str
    make: str | None = None
    year: int | None = None
    trim: str | None = None
    colour: str | None = None
    nickname: str | None = None
    purchase_date: date | None = None
    purchase_odometer: int | None = None
    warranty_end_date: date | None = None
    warranty_miles: int | None = None


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _check_details(details: VehicleDetails, today: date) -> VehicleDetails:
    """Tidy the owner's answers, fill make and year from the VIN, and check the rules."""
    cleaned = VehicleDetails(
        **{field.name: _blank_to_none(getattr(details, field.name)) for field in fields(details)}
    )
    decoded = decode_vin(cleaned.vin)
    cleaned.vin = decoded.vin
    cleaned.make = cleaned.make or decoded.make
    cleaned.year = cleaned.year or decoded.year
    if not cleaned.make:
        raise ServiceError("Tell us the make; we couldn't read it from this VIN.", field="make")
    if not cleaned.model:
        raise ServiceError("Tell us the model, for example Outback or F-150.", field="model")
    if cleaned.year is None:
        raise ServiceError(
            "Tell us the model year; we couldn't read it from this VIN.", field="year"
        )
    if not OLDEST_MODEL_YEAR <= cleaned.year <= today.year + 1:
        raise ServiceError(
            f"The model year should be between {OLDEST_MODEL_YEAR} and {today.year + 1}.",
            field="year",
        )
    if cleaned.purchase_date and cleaned.purchase_date > today:
        raise ServiceError("The purchase date can't be in the future.", field="purchase_date")
    for name in ("purchase_odometer", "warranty_miles"):
        _refuse_negative_miles(getattr(cleaned, name), name)
    return cleaned


def _refuse_registered_vin(session: Session, owner: User, vin: str, exclude_id=None) -> None:
    """A VIN lives in one active garage at a time: refuse it if someone has it already."""
    query = select(Vehicle.owner_id).where(Vehicle.vin == vin, Vehicle.retired_at.is_(None))
    if exclude_id is not None:
        query = query.where(Vehicle.id != exclude_id)
    holder = session.scalars(query.limit(1)).first()
    if holder is None:
        return
    if holder == owner.id:
        raise ServiceError("This car is already in your garage.", field="vin")
    raise ServiceError(
        "This VIN is registered to another owner's active garage. If the car is now yours, "
        "the previous owner can mark it sold, or our team can sort it out for you: get in "
        "touch and we'll help.",
        field="vin",
    )


def _write_guarding_vin(session: Session, write: Callable[[], None]) -> None:
    """Apply `write` in a savepoint; a VIN registered meanwhile is refused cleanly.

    The check before the write cannot see a concurrent transaction on PostgreSQL; the
    partial unique index on active VINs can, so its violation becomes the same refusal.
    The write happens inside the savepoint because `begin_nested()` flushes first.
    """
    try:
        with session.begin_nested():
            write()
            session.flush()
    except IntegrityError as error:
        raise ServiceError(
            "This VIN was registered to another active garage a moment ago. If the car is "
            "now yours, get in touch and we'll sort it out.",
            field="vin",
        ) from error


def add_vehicle(session: Session, owner: User, details: VehicleDetails, today: date) -> Vehicle:
    """Register a car in the owner's garage."""
    cleaned = _check_details(details, today)
    _refuse_registered_vin(session, owner, cleaned.vin)
    vehicle = Vehicle(owner_id=owner.id, **vars(cleaned))
    _write_guarding_vin(session, lambda: session.add(vehicle))
    return vehicle


def update_vehicle(
    session: Session, owner: User, vehicle: Vehicle, details: VehicleDetails, today: date
) -> Vehicle:
    """Change a car's details; a car in the owner's past cars stays as it was."""
    _refuse_retired(vehicle)
    cleaned = _check_details(details, today)
    if cleaned.vin != vehicle.vin:
        _refuse_registered_vin(session, owner, cleaned.vin, exclude_id=vehicle.id)

    def write() -> None:
        for name, value in vars(cleaned).items():
            setattr(vehicle, name, value)

    _write_guarding_vin(session, write)
    return vehicle


def retire_vehicle(session: Session, vehicle: Vehicle, reason: str, now: datetime) -> Vehicle:
    """Move a sold or passed-on car to the owner's past cars; its history stays."""
    _refuse_retired(vehicle)
    if reason not in set(RetiredReason):
        raise ServiceError("Tell us whether you sold the car or passed it on.", field="reason")
    vehicle.retired_at = now
    vehicle.retired_reason = reason
    session.flush()
    return vehicle


def _refuse_retired(vehicle: Vehicle) -> None:
    if not vehicle.is_active:
        raise ServiceError(past_car_message(vehicle.label))


def _refuse_negative_miles(miles: int | None, field: str) -> None:
    if miles is not None and miles < 0:
        raise ServiceError("Miles can't be negative.", field=field)


def _added(session: Session, row: T) -> T:
    """A new row of the car's history, added and flushed so it has its id."""
    session.add(row)
    session.flush()
    return row


def record_odometer(
    session: Session, vehicle: Vehicle, read_on: date, miles: int, today: date
) -> OdometerReading:
    """Add a reading: dated today or earlier, and never below the latest known mileage."""
    _refuse_retired(vehicle)
    if read_on > today:
        raise ServiceError("The reading can't be dated in the future.", field="read_on")
    if vehicle.purchase_date and read_on < vehicle.purchase_date:
        raise ServiceError("The reading can't be from before you bought the car.", field="read_on")
    latest = vehicle.odometer_readings[-1] if vehicle.odometer_readings else None
    if latest is not None and read_on < latest.read_on:
        raise ServiceError(
            f"Your latest reading is from {latest.read_on:%-d %b %Y}; add readings from "
            "that day on.",
            field="read_on",
        )
    known = current_miles(vehicle)
    _refuse_negative_miles(miles, "miles")
    if known is not None and miles < known:
        raise ServiceError(
            f"That's lower than the {known:,} miles we already have for this car. "
            "Please check the odometer.",
            field="miles",
        )
    return _added(session, OdometerReading(vehicle=vehicle, read_on=read_on, miles=miles))


def add_service_record(
    session: Session,
    vehicle: Vehicle,
    *,
    performed_on: date,
    miles: int | None,
    work_done: str,
    at_dealership: bool,
    recall_code: str | None,
    today: date,
) -> ServiceRecord:
    """Add a visit to the car's service history, at the dealership or elsewhere."""
    record = new_service_record(
        vehicle,
        performed_on=performed_on,
        miles=miles,
        work_done=work_done,
        at_dealership=at_dealership,
        recall_code=recall_code,
        today=today,
    )
    return _added(session, record)


def new_service_record(
    vehicle: Vehicle,
    *,
    performed_on: date,
    miles: int | None,
    work_done: str,
    at_dealership: bool,
    recall_code: str | None,
    today: date,
) -> ServiceRecord:
    """A visit on the car's history, checked as `add_service_record` checks it, for a caller
    that adds many and flushes once (the import)."""
    _refuse_retired(vehicle)
    work_done = (work_done or "").strip()
    if performed_on > today:
        raise ServiceError("The visit can't be dated in the future.", field="performed_on")
    if not work_done:
        raise ServiceError("Tell us what was done, for example an oil change.", field="work_done")
    _refuse_negative_miles(miles, "miles")
    return ServiceRecord(
        vehicle=vehicle,
        performed_on=performed_on,
        miles=miles,
        work_done=work_done,
        at_dealership=at_dealership,
        recall_code=_blank_to_none(recall_code),
    )


def add_protection_product(
    session: Session,
    vehicle: Vehicle,
    *,
    name: str,
    provider: str | None,
    ends_on: date | None,
    ends_at_miles: int | None,
) -> ProtectionProduct:
    """Record a protection product (extended warranty, tyre cover...) on a car."""
    _refuse_retired(vehicle)
    name = (name or "").strip()
    if not name:
        raise ServiceError("Tell us what the cover is called.", field="name")
    _refuse_negative_miles(ends_at_miles, "ends_at_miles")
    product = ProtectionProduct(
        vehicle=vehicle,
        name=name,
        provider=_blank_to_none(provider),
        ends_on=ends_on,
        ends_at_miles=ends_at_miles,
    )
    return _added(session, product)
