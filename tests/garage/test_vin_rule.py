"""One VIN rule: the garage, the DMS import and the referral purchase agree on every VIN."""

from datetime import date

import pytest

from portal import clock
from portal.errors import ServiceError
from portal.extensions import db
from portal.garage.rules import decode_vin, with_check_digit
from portal.imports.rules import parse_row
from portal.referrals import services as referral_services
from tests.imports.conftest import dms_row

NORTH_AMERICAN = with_check_digit("1HGCM826_RA000001")
VINS = [
    # (what the owner typed, accepted?)
    (NORTH_AMERICAN, True),
    (NORTH_AMERICAN.lower(), True),
    (f" {NORTH_AMERICAN[:5]}-{NORTH_AMERICAN[5:]} ", True),  # spaces and a dash are tidied
    # A right check digit but a 10th character vininfo's year test does not expect.
    (with_check_digit("1HGCM826_0A000001"), True),
    ("WP0ZZZ99ZTS392124", True),  # Europe: no check digit, Z fillers
    (NORTH_AMERICAN[:8] + ("0" if NORTH_AMERICAN[8] != "0" else "1") + NORTH_AMERICAN[9:], False),
    (NORTH_AMERICAN[:-1], False),  # 16 characters
    (NORTH_AMERICAN[:-1] + "O", False),  # never I, O or Q
    ("1HGCM82633A00435!", False),
]


def _garage(vin: str) -> bool:
    try:
        decode_vin(vin)
    except ServiceError:
        return False
    return True


def _import(vin: str) -> bool:
    row = parse_row(2, dms_row(1, vin=vin), "US", date(2026, 6, 1))
    return not any("VIN" in error for error in row.errors)


def _referral_purchase(referral, vin: str) -> bool:
    try:
        referral_services.record_purchase(
            db.session,
            referral=referral,
            vin=vin,
            make="Honda",
            model="Accord",
            year=2024,
            purchase_date=date(2026, 3, 1),
            hash_method="pbkdf2:sha256:1000",
            now=clock.now(),
        )
    except ServiceError as error:
        assert error.field == "vin"
        return False
    finally:
        db.session.rollback()
    return True


@pytest.mark.parametrize(("vin", "accepted"), VINS)
def test_the_same_vin_passes_or_fails_alike_everywhere(make_owner, make_referral, vin, accepted):
    referral = make_referral(make_owner())
    db.session.commit()
    answers = {
        "garage": _garage(vin),
        "import": _import(vin),
        "referral purchase": _referral_purchase(referral, vin),
    }
    assert answers == dict.fromkeys(answers, accepted)
