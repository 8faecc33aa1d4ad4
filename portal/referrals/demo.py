"""Demo data for referrals: invite links, friends at every stage, points they earned."""

from datetime import timedelta

from flask import current_app

from portal import clock
from portal.accounts.demo import DemoData
from portal.extensions import db
from portal.garage.rules import decode_vin, with_check_digit
from portal.points.services import award_points
from portal.referrals import services
from portal.referrals.models import Stage

FRIENDS = [
    ("Jamie Fraser", "Electric SUV"), ("Robin Achebe", "Hybrid estate"),
    ("Casey Lund", "Sports coupé"), ("Morgan Pereira", "Family SUV"),
    ("Taylor Nguyen", "City hatchback"), ("Riley Osei", "Electric saloon"),
    ("Quinn Moreau", "Pickup"), ("Avery Kim", "Hybrid hatchback"),
    ("Drew Castillo", "Electric SUV"), ("Harper Singh", "Convertible"),
    ("Jordan Ivanova", "Family SUV"), ("Rowan Adeyemi", "Estate"),
]  # fmt: skip

#: (stage, how many friends) handed out to the first few owners in turn.
STAGES = [
    Stage.PURCHASED, Stage.PURCHASED, Stage.PURCHASED, Stage.PURCHASED, Stage.TEST_DRIVE,
    Stage.TEST_DRIVE, Stage.CONTACTED, Stage.CONTACTED, Stage.INVITED, Stage.INVITED,
    Stage.INVITED, Stage.LOST,
]  # fmt: skip


def seed_referrals(data: DemoData) -> None:
    """Invite links for every owner; twelve friends across the stages; points for some."""
    now = clock.now()
    secret_key = current_app.config["SECRET_KEY"]
    hash_method = current_app.config["PASSWORD_HASH_METHOD"]
    for owner in data.owners:
        services.invite_code_for(db.session, owner, secret_key)
    referrers = data.owners[:4]
    for index, ((name, model), stage) in enumerate(zip(FRIENDS, STAGES, strict=True)):
        # The demo owner (first) has three purchases behind them: an Ambassador.
        referrer = referrers[0] if index < 3 else referrers[index % len(referrers)]
        email = name.lower().replace(" ", ".") + "@example.net"
        moment = now - timedelta(days=60 - index * 4)
        referral = services.submit_referral(
            db.session,
            referrer=referrer,
            name=name,
            email=email,
            phone=None,
            preferred_contact="email",
            model_of_interest=model,
            consent_contact=True,
            now=moment,
        )
        db.session.flush()
        if stage in (Stage.CONTACTED, Stage.TEST_DRIVE, Stage.LOST):
            services.move_stage(db.session, referral=referral, stage=Stage.CONTACTED, now=moment)
        if stage == Stage.TEST_DRIVE:
            services.move_stage(db.session, referral=referral, stage=stage, now=moment)
        if stage == Stage.LOST:
            services.move_stage(db.session, referral=referral, stage=stage, now=moment)
        if stage == Stage.PURCHASED:
            services.move_stage(db.session, referral=referral, stage=Stage.TEST_DRIVE, now=moment)
            sold = decode_vin(with_check_digit(f"5YJ3E1EA0P{index:07d}"))
            services.record_purchase(
                db.session,
                referral=referral,
                vin=sold.vin,
                make=sold.make,
                model="Model 3",  # what a 5YJ3 VIN is
                year=sold.year,
                purchase_date=(moment + timedelta(days=3)).date(),
                hash_method=hash_method,
                now=moment + timedelta(days=3),
            )
    for owner_index, owner in enumerate(data.owners[4:10]):
        award_points(
            db.session,
            user_id=owner.id,
            points=40 + 35 * owner_index,
            idempotency_key=f"demo:welcome:{owner.id}",
            reason="Came to the spring car-care clinic",
            now=now - timedelta(days=30),
        )
    db.session.flush()
