"""Garage fixtures: valid VINs and cars in an owner's garage."""

from datetime import date
from itertools import count

import pytest

from portal.extensions import db
from portal.garage import services
from portal.garage.rules import with_check_digit

#: A frozen "today" for service tests.
TODAY = date(2026, 3, 10)


@pytest.fixture
def vin_for():
    """`vin_for(n)`: a distinct valid North American VIN (a 2022 Honda Accord) per number."""
    return lambda serial: with_check_digit(f"1HGCV1F3_NA{serial:06d}")


@pytest.fixture
def make_vehicle(app, vin_for):
    """`make_vehicle(owner, **details)`: a car registered through the service, committed."""
    serials = count(1)

    def factory(owner, **overrides):
        values = {"vin": vin_for(next(serials)), "model": "Accord", "purchase_odometer": 1_000}
        values.update(overrides)
        vehicle = services.add_vehicle(db.session, owner, services.VehicleDetails(**values), TODAY)
        db.session.commit()
        return vehicle

    return factory
