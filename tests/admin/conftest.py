"""Fixtures for the admin area: staff sign-in, cars, valid VINs, CSV files."""

import csv
import io
from datetime import date

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from portal.garage.models import Vehicle

_VIN_VALUES = {str(digit): digit for digit in range(10)} | dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_for(number: int, prefix: str = "1HGCM826", year_code: str = "R") -> str:
    """A North American VIN with a correct check digit, unique per number."""
    draft = f"{prefix}0{year_code}A{number:06d}"
    total = sum(
        _VIN_VALUES[char] * weight for char, weight in zip(draft, _VIN_WEIGHTS, strict=True)
    )
    check = "X" if total % 11 == 10 else str(total % 11)
    return draft[:8] + check + draft[9:]


def csv_bytes(rows: list[dict], header: tuple[str, ...] | None = None) -> bytes:
    """A DMS-style export of the given rows (missing cells blank)."""
    from portal.imports.rules import COLUMNS

    header = header or COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    return buffer.getvalue().encode()


def dms_row(number: int, **overrides) -> dict:
    """One plausible DMS row: owner `number`, their car."""
    row = {
        "customer_id": f"C-{number:05d}",
        "first_name": "Dana",
        "last_name": f"Import{number}",
        "email": f"dana{number}@example.com",
        "phone": f"202-555-{number % 10000:04d}",
        "vin": vin_for(number),
        "make": "Honda",
        "model": "Civic",
        "year": "2023",
        "purchase_date": "2023-05-01",
        "odometer": "12",
        "warranty_end_date": "2026-05-01",
        "warranty_miles": "36000",
    }
    row.update(overrides)
    return row


@pytest.fixture
def make_staff(make_user):
    return lambda role=Role.COORDINATOR, **kw: make_user(role=role, **kw)


@pytest.fixture
def make_vehicle(app):
    """A car in an owner's garage: `make_vehicle(owner, vin=..., ...)`."""
    counter = iter(range(500_000, 1_000_000))

    def factory(owner, **overrides) -> Vehicle:
        values = {
            "owner_id": owner.id,
            "vin": vin_for(next(counter)),
            "make": "Honda",
            "model": "Accord",
            "year": 2022,
            "purchase_date": date(2022, 6, 1),
        }
        values.update(overrides)
        vehicle = Vehicle(**values)
        db.session.add(vehicle)
        db.session.commit()
        return vehicle

    return factory


# Other domains' factories, for the sections they add to an owner's page.
from tests.events.conftest import make_event, rsvp_as  # noqa: E402, F401
from tests.referrals.conftest import make_referral  # noqa: E402, F401
from tests.rewards.conftest import give_points, make_reward  # noqa: E402, F401
