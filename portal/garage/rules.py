"""Vehicle identification numbers: tidy, check and decode them with vininfo."""

import re
from dataclasses import dataclass

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


def decode_vin(raw: str | None) -> DecodedVin:
    """Tidy and check a VIN (the check digit where its region uses one) and decode it."""
    vin = normalise_vin(raw)
    info = Vin(vin)
    if info.region in CHECK_DIGIT_REGIONS and not info.verify_checksum(check_year=False):
        raise ServiceError(
            "This VIN doesn't add up: its check digit (the 9th character) doesn't match the "
            "rest, so one character is probably mistyped. Please compare it with your "
            "registration document.",
            field="vin",
        )
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
