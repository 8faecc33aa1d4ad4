"""Garage rules: VINs (tidied, checked and decoded with vininfo), mileage and cover."""

import re
from dataclasses import dataclass
from datetime import date

from vininfo import Vin
from vininfo.common import UnsupportedBrand

from portal.errors import ServiceError

#: 17 characters, digits and capitals without I, O and Q (they read as 1 and 0).
VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
#: Regions whose VINs carry the SAE check digit at position 9 (North America, per vininfo).
CHECK_DIGIT_REGIONS = {"North America"}
_TRANSLITERATION = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", "12345678123457923456789", strict=True))
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_MAKE_SUFFIX = re.compile(r"\s+(car|USA|\(.*\))$", re.IGNORECASE)
#: The most miles an odometer, a service visit or a warranty can read: more is a typo.
MAX_MILES = 2_000_000


@dataclass(frozen=True)
class DecodedVin:
    """What the VIN itself tells us: the make and model year, when vininfo knows them."""

    vin: str
    make: str | None
    year: int | None


def normalise_vin(raw: str | None) -> str:
    """The VIN in capitals without spaces or dashes; a ServiceError when it cannot be one."""
    vin = re.sub(r"[\s-]", "", raw or "").upper()
    if len(vin) != 17:
        raise ServiceError(
            f"A VIN has 17 characters; this one has {len(vin)}. It's on your registration "
            "document and at the bottom of the windscreen.",
            field="vin",
        )
    if not VIN_PATTERN.match(vin):
        raise ServiceError(
            "A VIN uses only digits and capital letters, never I, O or Q (they would look "
            "like 1 and 0). Please check it against your registration document.",
            field="vin",
        )
    return vin


def check_digit(vin: str) -> str:
    """The SAE check digit (position 9) the other 16 characters call for."""
    total = sum(
        int(_TRANSLITERATION.get(char, char)) * weight
        for char, weight in zip(vin, _WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def checked_vin(raw: str | None) -> str:
    """The one VIN rule (garage, import, referral purchase): tidied, 17 valid characters,
    and the check digit where its region uses one; a ServiceError on field "vin" otherwise.

    The check digit is verified without vininfo's model-year test (`check_year=False`):
    that test refuses real cars whose 10th character it does not expect.
    """
    vin = normalise_vin(raw)
    info = Vin(vin)
    if info.region in CHECK_DIGIT_REGIONS and not info.verify_checksum(check_year=False):
        raise ServiceError(
            "This VIN doesn't add up: its check digit (the 9th character) doesn't match the "
            "rest, so one character is probably mistyped. Please compare it with your "
            "registration document.",
            field="vin",
        )
    return vin


def decode_vin(raw: str | None) -> DecodedVin:
    """Tidy and check a VIN (`checked_vin`) and decode it."""
    vin = checked_vin(raw)
    info = Vin(vin)
    return DecodedVin(vin=vin, make=_make(info), year=_model_year(info))


def _make(info: Vin) -> str | None:
    """The make as owners write it: vininfo's 'Porsche car' or 'Chevrolet USA' tidied."""
    if isinstance(info.assembler, UnsupportedBrand) or not info.manufacturer:
        return None
    return _MAKE_SUFFIX.sub("", info.manufacturer).strip() or None


def _model_year(info: Vin) -> int | None:
    """The model year when the VIN settles it; None when the 30-year cycle leaves a doubt."""
    years = info.years
    if len(years) > 1 and info.region == "North America":
        # 49 CFR 565.15: in North America a letter at position 7 means the 2010-2039 cycle.
        modern = info.num[6].isalpha()
        years = [year for year in years if (year >= 2010) == modern]
    return years[0] if len(years) == 1 else None


def with_check_digit(vin: str) -> str:
    """The VIN with position 9 set to the check digit the rest calls for (demo data, tests)."""
    vin = vin.upper()
    return vin[:8] + check_digit(vin[:8] + "0" + vin[9:]) + vin[9:]


def highest(*values: int | None) -> int | None:
    """The largest of the known values; None when none is known."""
    known = [value for value in values if value is not None]
    return max(known) if known else None


def current_miles(vehicle) -> int | None:
    """The highest mileage known for a car whose history is loaded."""
    return highest(
        vehicle.purchase_odometer,
        *(reading.miles for reading in vehicle.odometer_readings),
        *(record.miles for record in vehicle.service_records),
    )


def past_car_message(label: str) -> str:
    """Why a car in the owner's past cars cannot change."""
    return f"{label} is in your past cars; its record is kept as it was."


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


def warranty_status(vehicle, miles: int | None, today: date) -> Cover:
    """The factory warranty's badge for a car at this mileage."""
    return cover_status(vehicle.warranty_end_date, vehicle.warranty_miles, miles, today)
