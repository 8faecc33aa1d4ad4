"""The staff purchase form submitted twice at once records one purchase and no error page."""

from datetime import date

from sqlalchemy import func, select

from portal import clock
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.referrals import services
from portal.referrals.models import Referral
from tests.referrals.conftest import VALID_VIN
from tests.rewards.concurrency import run_at_once

COPIES = 5


def test_parallel_copies_of_the_purchase_record_it_once(app, make_owner, make_referral):
    referrer = make_owner()
    referral_id, referrer_id = make_referral(referrer).id, referrer.id

    def purchase(_):
        return services.record_purchase(
            db.session,
            referral=db.session.get(Referral, referral_id),
            vin=VALID_VIN,
            make="Honda",
            model="Accord",
            year=2024,
            purchase_date=date(2026, 3, 1),
            hash_method="pbkdf2:sha256:1000",
            now=clock.now(),
        )

    results = run_at_once(app, COPIES, purchase)
    refused = [result for result in results if isinstance(result, ServiceError)]
    assert len(refused) == COPIES - 1
    assert {error.message for error in refused} == {"This purchase is already recorded."}
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 1
    credits = select(func.count()).where(PointsEntry.user_id == referrer_id, PointsEntry.points > 0)
    assert db.session.scalar(credits) == 1


def test_two_friends_of_one_referrer_bought_at_once_both_count_towards_the_tier(
    app, make_owner, make_referral
):
    """The referrer's row lock serialises purchase credits: each purchase counts the other."""
    write_settings(
        db.session,
        {
            "referrals.tier_names": ["Friend", "Star", "Legend"],
            "referrals.tier_thresholds": [0, 1, 2],
        },
    )
    referrer = make_owner()
    ids = [make_referral(referrer).id for _ in range(2)]
    vins = [VALID_VIN, "1M8GDM9AXKP042788"]

    def purchase(index):
        return services.record_purchase(
            db.session,
            referral=db.session.get(Referral, ids[index]),
            vin=vins[index],
            make="Honda",
            model="Accord",
            year=2024,
            purchase_date=date(2026, 3, 1),
            hash_method="pbkdf2:sha256:1000",
            now=clock.now(),
        )

    results = run_at_once(app, 2, purchase)
    assert not [result for result in results if isinstance(result, ServiceError)]
    db.session.refresh(referrer)
    assert referrer.tier_level == 2
    tiers = select(Notification.key).where(Notification.key.like(f"tier:{referrer.id}:%"))
    assert sorted(db.session.scalars(tiers)) == [f"tier:{referrer.id}:1", f"tier:{referrer.id}:2"]
