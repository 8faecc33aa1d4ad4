"""Garage fixtures: a frozen day and valid VINs."""

from datetime import date

import pytest

from portal.garage.rules import with_check_digit

#: A frozen "today" for service tests.
TODAY = date(2026, 3, 10)


@pytest.fixture
def vin_for():
    """`vin_for(n)`: a distinct valid North American VIN (a 2022 Honda Accord) per number."""
    return lambda serial: with_check_digit(f"1HGCV1F3_NA{serial:06d}")
