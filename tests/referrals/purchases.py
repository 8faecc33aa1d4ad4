"""A referred friend's purchase recorded through the service, for the pipeline's tests."""

from datetime import UTC, date, datetime, timedelta

from portal.extensions import db
from portal.garage.rules import with_check_digit
from portal.referrals import services

NOW = datetime(2026, 5, 4, 14, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


def vin(number: int) -> str:
    """A valid VIN, one per number."""
    return with_check_digit(f"1HGCM826_3A{number:06d}")


def purchase(referral, number=1, **options) -> services.StageOutcome:
    """`record_purchase` of car `number` (a 2025 Accord) three days after NOW, committed."""
    details = {"vin": vin(number), "make": "Honda", "model": "Accord", **options}
    outcome = services.record_purchase(
        db.session,
        referral=referral,
        year=2025,
        purchase_date=date(2026, 5, 1),
        hash_method="pbkdf2:sha256:1000",
        now=LATER,
        **details,
    )
    db.session.commit()
    return outcome
