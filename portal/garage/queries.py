"""Reads for the garage pages: the owner's cars with their mileage, and one car's record."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import User
from portal.db import page_rows
from portal.garage.models import OdometerReading, ServiceRecord, Vehicle, car_label
from portal.garage.rules import Cover, cover_status, current_miles, highest, warranty_status
from portal.json_rows import JsonRows


@dataclass(frozen=True, slots=True)
class GarageCar:
    """A car as the garage lists it: what its card shows, with the highest mileage anyone has
    recorded for it. Plain values read as columns (no ORM object): the page builds one per car
    on every view."""

    id: int
    label: str
    nickname: str | None
    year: int
    make: str
    model: str
    trim: str | None
    colour: str | None
    vin: str
    purchase_date: date | None
    warranty_end_date: date | None
    warranty_miles: int | None
    retired_at: datetime | None
    retired_reason: str | None
    miles: int | None

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


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


def _highest_miles_in(model):
    """The car's highest mileage in one history table, as a correlated subquery."""
    return (
        select(func.max(model.miles))
        .where(model.vehicle_id == Vehicle.id)
        .correlate(Vehicle)
        .scalar_subquery()
    )


#: The columns a garage card is made of (`GarageCar`, in that order up to the mileage).
_CAR_COLUMNS = (
    Vehicle.id,
    Vehicle.nickname,
    Vehicle.year,
    Vehicle.make,
    Vehicle.model,
    Vehicle.trim,
    Vehicle.colour,
    Vehicle.vin,
    Vehicle.purchase_date,
    Vehicle.warranty_end_date,
    Vehicle.warranty_miles,
    Vehicle.retired_at,
    Vehicle.retired_reason,
    Vehicle.purchase_odometer,
    _highest_miles_in(OdometerReading),
    _highest_miles_in(ServiceRecord),
)


def _garage_cars_statement(active_only: bool) -> Select:
    statement = (
        select(*_CAR_COLUMNS)
        .where(Vehicle.owner_id == bindparam("owner_id"))
        .order_by(Vehicle.retired_at.is_not(None), Vehicle.created_at, Vehicle.id)
    )
    return statement.where(Vehicle.retired_at.is_(None)) if active_only else statement


#: Built once: the garage lists the cars on every visit.
_GARAGE_CARS = {active_only: _garage_cars_statement(active_only) for active_only in (False, True)}


def _garage_car(row) -> GarageCar:
    car_id, nickname, year, make, model, *details, bought, read, serviced = row
    return GarageCar(
        car_id,
        car_label(nickname, year, make, model),
        nickname,
        year,
        make,
        model,
        *details,
        highest(bought, read, serviced),
    )


def garage_cars(session: Session, owner: User, active_only: bool = False) -> list[GarageCar]:
    """The owner's cars with their mileage, in one statement whatever their number: the
    columns the garage shows, as plain rows."""
    rows = page_rows(session, _GARAGE_CARS[active_only], {"owner_id": owner.id})
    return [_garage_car(row) for row in rows]


@dataclass(frozen=True, slots=True)
class HomeCar:
    """What the home page shows of a car: a link to it, its name and its mileage."""

    id: int
    label: str
    miles: int | None


#: Built once: the home page's garage section reads only what it shows of each active car.
_HOME_CARS = (
    select(
        Vehicle.id,
        Vehicle.nickname,
        Vehicle.year,
        Vehicle.make,
        Vehicle.model,
        Vehicle.purchase_odometer,
        _highest_miles_in(OdometerReading),
        _highest_miles_in(ServiceRecord),
    )
    .where(Vehicle.owner_id == bindparam("owner_id"), Vehicle.retired_at.is_(None))
    .order_by(Vehicle.created_at, Vehicle.id)
)


#: The same read as a column the home page's one statement carries (`portal.json_rows`).
HOME_CARS = JsonRows(_HOME_CARS)


def home_cars_read(owner_id: int) -> tuple[JsonRows, dict]:
    """The home page's read of the owner's active cars, with its bound values."""
    return HOME_CARS, {"owner_id": owner_id}


def home_cars_from(rows: Iterable[tuple]) -> list[HomeCar]:
    """The cars of `HOME_CARS`'s rows, named, with their mileage as `garage_cars` gives it."""
    return [
        HomeCar(car_id, car_label(nickname, year, make, model), highest(bought, read, serviced))
        for car_id, nickname, year, make, model, bought, read, serviced in rows
    ]


def home_cars(session: Session, owner: User) -> list[HomeCar]:
    """The owner's active cars, named, with their mileage, in a statement of their own."""
    return home_cars_from(page_rows(session, _HOME_CARS, {"owner_id": owner.id}))


def garage_page(
    session: Session, owner: User, today: date
) -> tuple[list[tuple[GarageCar, Cover]], list[GarageCar]]:
    """The owner's active cars with their warranty badge, and their past cars."""
    cars = garage_cars(session, owner)
    active = [
        (car, cover_status(car.warranty_end_date, car.warranty_miles, car.miles, today))
        for car in cars
        if car.retired_at is None
    ]
    return active, [car for car in cars if car.retired_at is not None]


def car_record(vehicle: Vehicle, today: date) -> dict:
    """One car (history loaded) with its mileage, warranty badge and each product's badge."""
    miles = current_miles(vehicle)
    return {
        "vehicle": vehicle,
        "miles": miles,
        "warranty": warranty_status(vehicle, miles, today),
        "products": [
            (product, cover_status(product.ends_on, product.ends_at_miles, miles, today))
            for product in vehicle.protection_products
        ],
    }
