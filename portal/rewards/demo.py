"""Demo data for rewards: the catalogue (a seat at the next launch among it), a redemption,
and points given to a charity drive."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.accounts.demo import DemoData
from portal.charity.models import Drive, DriveStatus
from portal.events.models import Event, EventKind, EventStatus
from portal.extensions import db
from portal.rewards import services
from portal.rewards.models import Category, Reward

#: What each row of the demo catalogue below holds, in order.
CATALOGUE_COLUMNS = ("name", "category", "points_cost", "min_tier", "stock", "description")
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
     "We turn your points into a donation to the drive you choose."),
]  # fmt: skip


def seed_rewards(data: DemoData) -> None:
    """The catalogue; the first referrer redeems a valet; an owner gives points to a drive."""
    now = clock.now()
    rewards = [Reward(**dict(zip(CATALOGUE_COLUMNS, row, strict=True))) for row in CATALOGUE]
    # The launch-night seat is a real seat at the next launch: redeeming holds it.
    rewards[3].event_id = db.session.scalar(
        select(Event.id)
        .where(
            Event.kind == EventKind.LAUNCH,
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
        )
        .order_by(Event.starts_at)
        .limit(1)
    )
    db.session.add_all(rewards)
    db.session.flush()
    services.redeem(
        db.session, user=data.owners[0], reward_id=rewards[1].id, now=now - timedelta(days=5)
    )
    # The altruistic reward counts toward the first open drive at the dealership's rate.
    drive = db.session.scalar(
        select(Drive).where(Drive.status == DriveStatus.OPEN).order_by(Drive.id).limit(1)
    )
    giving = next(reward for reward in rewards if reward.category == Category.ALTRUISTIC)
    if drive is not None:
        services.redeem(
            db.session,
            user=data.owners[9],
            reward_id=giving.id,
            now=now - timedelta(days=2),
            drive_id=drive.id,
        )
    db.session.flush()
