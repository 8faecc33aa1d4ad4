"""The demo garages: valid VINs, one or two cars per owner, history from both workshops."""

from collections import Counter

from portal.extensions import db
from portal.garage.models import ProtectionProduct, ServiceRecord, Vehicle
from portal.garage.rules import decode_vin


def test_demo_owners_get_believable_garages(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    vehicles = db.session.scalars(db.select(Vehicle)).all()
    per_owner = Counter(vehicle.owner_id for vehicle in vehicles)
    # Twenty demo owners, plus the friends whose referred purchases put a car in their garage.
    assert len(per_owner) >= 20 and set(per_owner.values()) <= {1, 2}
    for vehicle in vehicles:
        decoded = decode_vin(vehicle.vin)  # a valid check digit, or this raises
        assert (decoded.make, decoded.year) == (vehicle.make, vehicle.year)
    where = Counter(db.session.scalars(db.select(ServiceRecord.at_dealership)))
    assert where[True] and where[False]
    assert db.session.scalar(db.select(db.func.count()).select_from(ProtectionProduct))
    assert any(vehicle.warranty_end_date for vehicle in vehicles)
