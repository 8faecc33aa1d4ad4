"""Garage rules: registering, editing and retiring cars, mileage, service and cover."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.garage.models import (
    OdometerReading,
    ProtectionProduct,
    RetiredReason,
    ServiceRecord,
    Vehicle,
)
from portal.garage.rules import decode_vin

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


@dataclass(frozen=True)
class GarageCar:
    """A car with the highest mileage anyone has recorded for it."""

    vehicle: Vehicle
    miles: int | None


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
        if (getattr(cleaned, name) or 0) < 0:
            raise ServiceError("Miles can't be negative.", field=name)
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
        raise ServiceError(f"{vehicle.label} is in your past cars; its record is kept as it was.")


def vehicle_for_owner(session: Session, owner: User, vehicle_id: int) -> Vehicle | None:
    """The owner's car with its history loaded, or None (another owner's car is a 404)."""
    return session.scalars(
        select(Vehicle)
        .where(Vehicle.id == vehicle_id, Vehicle.owner_id == owner.id)
        .options(
            selectinload(Vehicle.odometer_readings),
            selectinload(Vehicle.service_records),
            selectinload(Vehicle.protection_products),
        )
    ).first()


def _max_reading_miles():
    return (
        select(func.max(OdometerReading.miles))
        .where(OdometerReading.vehicle_id == Vehicle.id)
        .correlate(Vehicle)
        .scalar_subquery()
    )


def _max_service_miles():
    return (
        select(func.max(ServiceRecord.miles))
        .where(ServiceRecord.vehicle_id == Vehicle.id)
        .correlate(Vehicle)
        .scalar_subquery()
    )


def garage_cars(session: Session, owner: User, active_only: bool = False) -> list[GarageCar]:
    """The owner's cars with their mileage, in one statement whatever their number."""
    query = (
        select(Vehicle, _max_reading_miles(), _max_service_miles())
        .where(Vehicle.owner_id == owner.id)
        .order_by(Vehicle.retired_at.is_not(None), Vehicle.created_at, Vehicle.id)
    )
    if active_only:
        query = query.where(Vehicle.retired_at.is_(None))
    return [
        GarageCar(vehicle, _highest(vehicle.purchase_odometer, readings, services))
        for vehicle, readings, services in session.execute(query)
    ]


def _highest(*values: int | None) -> int | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def current_miles(vehicle: Vehicle) -> int | None:
    """The highest mileage known for a car whose history is loaded."""
    return _highest(
        vehicle.purchase_odometer,
        *(reading.miles for reading in vehicle.odometer_readings),
        *(record.miles for record in vehicle.service_records),
    )


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
    if miles < 0:
        raise ServiceError("Miles can't be negative.", field="miles")
    if known is not None and miles < known:
        raise ServiceError(
            f"That's lower than the {known:,} miles we already have for this car. "
            "Please check the odometer.",
            field="miles",
        )
    reading = OdometerReading(vehicle=vehicle, read_on=read_on, miles=miles)
    session.add(reading)
    session.flush()
    return reading


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
    _refuse_retired(vehicle)
    work_done = (work_done or "").strip()
    if performed_on > today:
        raise ServiceError("The visit can't be dated in the future.", field="performed_on")
    if not work_done:
        raise ServiceError("Tell us what was done, for example an oil change.", field="work_done")
    if miles is not None and miles < 0:
        raise ServiceError("Miles can't be negative.", field="miles")
    record = ServiceRecord(
        vehicle=vehicle,
        performed_on=performed_on,
        miles=miles,
        work_done=work_done,
        at_dealership=at_dealership,
        recall_code=_blank_to_none(recall_code),
    )
    session.add(record)
    session.flush()
    return record


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
    if ends_at_miles is not None and ends_at_miles < 0:
        raise ServiceError("Miles can't be negative.", field="ends_at_miles")
    product = ProtectionProduct(
        vehicle=vehicle,
        name=name,
        provider=_blank_to_none(provider),
        ends_on=ends_on,
        ends_at_miles=ends_at_miles,
    )
    session.add(product)
    session.flush()
    return product


@dataclass(frozen=True)
class Cover:
    """Whether a warranty or product still covers the car, for the badge next to it."""

    label: str
    tone: str  # ok | warn | muted


def cover_status(
    ends_on: date | None, ends_at_miles: int | None, miles: int | None, today: date
) -> Cover:
    """'Active', 'Ending soon' or 'Ended', by date or mileage, whichever comes first."""
    if ends_on is None and ends_at_miles is None:
        return Cover("No end given", "muted")
    ended_by_date = ends_on is not None and ends_on < today
    ended_by_miles = ends_at_miles is not None and miles is not None and miles >= ends_at_miles
    if ended_by_date or ended_by_miles:
        return Cover("Ended", "muted")
    soon_by_date = ends_on is not None and (ends_on - today).days <= 90
    soon_by_miles = (
        ends_at_miles is not None and miles is not None and ends_at_miles - miles <= 1_000
    )
    if soon_by_date or soon_by_miles:
        return Cover("Ending soon", "warn")
    return Cover("Active", "ok")
