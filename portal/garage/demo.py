"""Demo garages: one or two cars per owner with mileage, service history and cover."""

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from portal import clock
from portal.accounts.demo import DemoData
from portal.extensions import db
from portal.garage.models import (
    OdometerReading,
    ProtectionProduct,
    RetiredReason,
    ServiceRecord,
    Vehicle,
)
from portal.garage.rules import with_check_digit

#: (make, model, trims, WMI + VDS with a placeholder check digit, plant code).
CATALOGUE = [
    ("Honda", "Accord", ["Sport", "EX-L", "Touring"], "1HGCV1F3_", "A"),
    ("Honda", "CR-V", ["EX", "EX-L", "Touring"], "2HKRW2H8_", "H"),
    ("Toyota", "Camry", ["LE", "SE", "XSE"], "4T1B11HK_", "U"),
    ("Toyota", "RAV4", ["XLE", "Adventure", "Limited"], "2T3P1RFV_", "W"),
    ("Ford", "F-150", ["XLT", "Lariat"], "1FTEW1EP_", "F"),
    ("Subaru", "Outback", ["Premium", "Limited", "Onyx XT"], "4S4BTANC_", "3"),
    ("Tesla", "Model 3", ["Long Range", "Performance"], "5YJ3E1EA_", "F"),
    ("Hyundai", "Santa Fe", ["SEL", "Limited"], "5NMS3CAD_", "H"),
]
COLOURS = ["Crystal Black", "Lunar Silver", "Platinum White", "Deep Ocean Blue", "Magnetic Grey",
           "Radiant Red", "Autumn Green"]  # fmt: skip
NICKNAMES = ["The Blue Whale", "Scout", "Daisy", "Old Faithful", "The Commuter", "Biscuit"]
#: Model-year letters from 2010 on (49 CFR 565.15).
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY"
VISITS = [
    "Oil and filter change, multi-point inspection.",
    "Tyre rotation and brake inspection.",
    "Front brake pads and rotors replaced.",
    "Cabin and engine air filters replaced.",
    "30,000-mile service: fluids, filters, inspection.",
    "New all-season tyres, alignment.",
    "Battery tested and replaced.",
    "Wiper blades and coolant top-up.",
]
ELSEWHERE_VISITS = ["Quick oil change at a drive-through.", "Tyres fitted at a tyre centre."]
PRODUCTS = [
    ("Tyre and wheel protection", "Harbourside Care"),
    ("Extended powertrain warranty", "Northstar Vehicle Protection"),
    ("Paint and interior protection", "Harbourside Care"),
]


def _vin(prefix: str, year: int, plant: str, serial: int) -> str:
    return with_check_digit(f"{prefix}{YEAR_CODES[year - 2010]}{plant}{serial:06d}")


def _add_history(data: DemoData, vehicle: Vehicle, start_miles: int, until: date) -> None:
    """Readings every few months and a service visit roughly twice a year."""
    rng = data.rng
    miles_per_day = rng.uniform(20, 45)
    day, miles = vehicle.purchase_date, start_miles
    while True:
        step = rng.randint(90, 200)
        day += timedelta(days=step)
        if day > until:
            break
        miles += int(step * miles_per_day * rng.uniform(0.8, 1.2))
        db.session.add(OdometerReading(vehicle=vehicle, read_on=day, miles=miles))
        if rng.random() < 0.65:
            at_dealership = rng.random() < 0.75
            db.session.add(
                ServiceRecord(
                    vehicle=vehicle,
                    performed_on=day,
                    miles=miles,
                    work_done=rng.choice(VISITS if at_dealership else ELSEWHERE_VISITS),
                    at_dealership=at_dealership,
                    recall_code=rng.choice(["24V-512", "23V-871"]) if rng.random() < 0.06 else None,
                )
            )


def seed_garages(data: DemoData) -> None:
    """Each owner gets one or two cars bought within the last five years, with history."""
    rng = data.rng
    today = clock.now().date()
    serial = 100_000
    for index, owner in enumerate(data.owners):
        for number in range(1 if rng.random() < 0.6 else 2):
            # Every seventh owner has passed a car on; it stays in their history.
            retired = number == 1 and index % 7 == 0
            make, model, trims, prefix, plant = rng.choice(CATALOGUE)
            days_owned = rng.randint(700, 5 * 365) if retired else rng.randint(20, 5 * 365)
            purchase_date = today - timedelta(days=days_owned)
            bought_new = rng.random() < 0.7
            year = purchase_date.year + (rng.choice([0, 1]) if bought_new else -rng.randint(1, 4))
            year = min(year, today.year + 1)
            purchase_odometer = rng.randint(5, 40) if bought_new else rng.randint(12, 60) * 1000
            serial += rng.randint(1, 900)
            vehicle = Vehicle(
                owner=owner,
                vin=_vin(prefix, year, plant, serial),
                make=make,
                model=model,
                trim=rng.choice(trims),
                year=year,
                colour=rng.choice(COLOURS),
                nickname=rng.choice(NICKNAMES) if rng.random() < 0.2 else None,
                purchase_date=purchase_date,
                purchase_odometer=purchase_odometer,
                warranty_end_date=purchase_date + relativedelta(years=3) if bought_new else None,
                warranty_miles=36_000 if bought_new else None,
            )
            db.session.add(vehicle)
            if rng.random() < 0.4:
                name, provider = rng.choice(PRODUCTS)
                db.session.add(
                    ProtectionProduct(
                        vehicle=vehicle,
                        name=name,
                        provider=provider,
                        ends_on=purchase_date + relativedelta(years=rng.choice([3, 5, 7])),
                        ends_at_miles=rng.choice([None, 60_000, 100_000]),
                    )
                )
            history_until = today - timedelta(days=rng.randint(30, 200)) if retired else today
            _add_history(data, vehicle, purchase_odometer, history_until)
            if retired:
                vehicle.retired_at = datetime.combine(history_until, time(12), tzinfo=UTC)
                vehicle.retired_reason = rng.choice(list(RetiredReason)).value
    db.session.flush()
