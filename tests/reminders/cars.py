"""The car the pure reminder-rule tests start from: car 7 of owner 3, a 2022 Honda Civic."""

from datetime import date

from portal.reminders.facts import VehicleFacts


def car(**overrides) -> VehicleFacts:
    """Bought 10 Jan 2025 with 1,000 miles, with no readings or services, unless overridden."""
    values = {
        "id": 7,
        "owner_id": 3,
        "vin": "1HGCV1F30NA000007",
        "label": "2022 Honda Civic",
        "make": "Honda",
        "model": "Civic",
        "year": 2022,
        "purchase_date": date(2025, 1, 10),
        "purchase_odometer": 1000,
    }
    return VehicleFacts(**(values | overrides))
