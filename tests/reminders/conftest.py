"""Reminder fixtures: cars with history, built directly in the database."""

import itertools
from datetime import date

import pytest

from portal.extensions import db
from portal.garage.models import OdometerReading, ServiceRecord, Vehicle

_vins = itertools.count(1)


@pytest.fixture
def make_vehicle(app):
    """Create a car: `make_vehicle(owner, make="Honda", purchase_date=date(...), ...)`."""

    def factory(owner, **overrides) -> Vehicle:
        values = {
            "vin": f"1HGCV1F3{next(_vins):09d}",
            "make": "Honda",
            "model": "Civic",
            "year": 2022,
            "purchase_date": date(2025, 1, 10),
            "purchase_odometer": 1000,
        }
        values.update(overrides)
        vehicle = Vehicle(owner_id=owner.id, **values)
        db.session.add(vehicle)
        db.session.commit()
        return vehicle

    return factory


@pytest.fixture
def add_reading(app):
    def add(vehicle, on: date, miles: int) -> None:
        db.session.add(OdometerReading(vehicle_id=vehicle.id, read_on=on, miles=miles))
        db.session.commit()

    return add


@pytest.fixture
def add_service(app):
    def add(vehicle, on: date, miles: int | None = None, recall_code: str | None = None) -> None:
        db.session.add(
            ServiceRecord(
                vehicle_id=vehicle.id,
                performed_on=on,
                miles=miles,
                work_done="Oil and filter",
                recall_code=recall_code,
            )
        )
        db.session.commit()

    return add
