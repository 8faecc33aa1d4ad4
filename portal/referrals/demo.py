"""Demo data for referrals and rewards: invite links, friends at every stage, a catalogue."""

from datetime import timedelta

from flask import current_app

from portal import clock
from portal.accounts.demo import DemoData
from portal.extensions import db
from portal.garage.rules import decode_vin, with_check_digit
from portal.points.services import award_points
from portal.referrals import services
from portal.referrals.models import Stage
from portal.rewards import services as rewards_services
from portal.rewards.models import Category, Reward

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

CATALOGUE = [
    ("$50 parts and accessories credit", Category.TRANSACTIONAL, 300, 0, None,
     "Put it towards floor mats, a roof box or anything from the parts counter."),
    ("Complimentary valet with your next service", Category.TRANSACTIONAL, 150, 0, None,
     "Inside and out, while you wait or while we have the car."),
    ("Premium detailing", Category.EXPERIENTIAL, 600, 0, 6,
     "A full machine polish and ceramic top coat by our detailing specialist."),
    ("VIP seat at the next launch night", Category.EXPERIENTIAL, 400, 1, 10,
     "Front-row seat, first look under the covers, and a drink on us."),
    ("Weekend car swap", Category.EXPERIENTIAL, 900, 2, 3,
     "Borrow a car from the new range for a weekend: Friday afternoon to Monday morning."),
    ("Ambassadors' dinner with the team", Category.RECOGNITION, 500, 2, 12,
     "An evening with our general manager and the other ambassadors."),
    ("A thank-you in the club newsletter", Category.RECOGNITION, 50, 0, None,
     "Your name and, if you like, a photo of you and your car."),
    ("Give your points to a charity drive", Category.ALTRUISTIC, 100, 0, None,
     "We turn 100 points into a $10 donation to the cause you choose."),
]  # fmt: skip


def seed_referrals(data: DemoData) -> None:
    """Invite links for every owner; twelve friends across the stages; rewards and redemptions."""
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
    rewards = []
    for name, category, cost, min_tier, stock, description in CATALOGUE:
        reward = Reward(
            name=name,
            category=category,
            points_cost=cost,
            min_tier=min_tier,
            stock=stock,
            description=description,
        )
        db.session.add(reward)
        rewards.append(reward)
    db.session.flush()
    rewards_services.redeem(
        db.session, user=referrers[0], reward_id=rewards[1].id, now=now - timedelta(days=5)
    )
    # The charity seeder gives points to a drive through the altruistic reward.
    db.session.flush()
