"""Demo drives: coats (money, matched), toys (items) and a closed food-bank drive."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.accounts.demo import DemoData
from portal.charity.models import Contribution, Drive, DriveEvent, DriveStatus, GoalKind
from portal.charity.tally import recount
from portal.events.models import Event, EventKind
from portal.extensions import db

MESSAGES = [
    "My kids outgrew three coats this year. Happy to pass the warmth on.",
    "Thanks for organising this, team.",
    "For the families on our street.",
    "Winter is coming; let's beat the goal!",
    None,
    None,
]


def _pledges(data: DemoData, drive: Drive, owners, amounts, received_share: float) -> None:
    now = clock.now()
    for index, (owner, amount) in enumerate(zip(owners, amounts, strict=False)):
        made = now - timedelta(days=data.rng.randint(1, 20), hours=data.rng.randint(0, 23))
        received = data.rng.random() < received_share
        db.session.add(
            Contribution(
                drive=drive,
                user_id=owner.id,
                amount=amount,
                message=data.rng.choice(MESSAGES),
                show_name=owner.consent_recognition or index % 2 == 0,
                created_at=made,
                received_at=min(made + timedelta(days=2), now) if received else None,
                received_by_id=data.staff[1].id if received else None,
            )
        )


def seed_charity(data: DemoData) -> None:
    """Three drives with pledges from the demo owners."""
    today = clock.now().date()
    coats = Drive(
        name="Coats for Kids",
        beneficiary_name="Harbour Family Shelter",
        beneficiary_description="Emergency housing and winter support for families in the county.",
        beneficiary_url="https://shelter.example.org",
        story=(
            "Every winter, children arrive at the shelter without a warm coat. This year we'd "
            "like to make sure none of them go without.\n\n"
            "Pledge what you can; drop it off at the service desk or pay online through the "
            "shelter's page. We'll match every dollar owners give, up to $2,500."
        ),
        goal_kind=GoalKind.MONEY,
        goal_amount=10_000_00,
        starts_on=today - timedelta(days=21),
        ends_on=today + timedelta(days=17),
        status=DriveStatus.OPEN,
        match_percent=100,
        match_cap=2_500_00,
        opened_at=clock.now() - timedelta(days=21),
    )
    toys = Drive(
        name="500 toys for the holidays",
        beneficiary_name="Toys for Tots",
        beneficiary_description="New, unwrapped toys for children whose families need a hand.",
        beneficiary_url="https://toys.example.org",
        story=(
            "Bring a new, unwrapped toy to the showroom any day before the drive ends. "
            "The bins are by the coffee machine.\n\nNo time to shop? Give reward points: "
            "every 500 points buys a toy."
        ),
        goal_kind=GoalKind.ITEMS,
        goal_amount=500,
        unit_label="toys",
        points_per_item=500,
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=30),
        status=DriveStatus.OPEN,
        opened_at=clock.now() - timedelta(days=7),
    )
    food = Drive(
        name="Spring food bank drive",
        beneficiary_name="Eastside Food Bank",
        beneficiary_description="Groceries for 400 households every week.",
        beneficiary_url="https://food.example.org",
        story="Thank you to everyone who filled the trunk of our demo car with groceries.",
        goal_kind=GoalKind.MONEY,
        goal_amount=3_000_00,
        starts_on=today - timedelta(days=200),
        ends_on=today - timedelta(days=170),
        status=DriveStatus.CLOSED,
        opened_at=clock.now() - timedelta(days=200),
        closed_at=clock.now() - timedelta(days=169),
    )
    db.session.add_all([coats, toys, food])
    db.session.flush()
    owners = data.owners
    _pledges(
        data,
        coats,
        owners[:14],
        [data.rng.choice([25, 50, 75, 100, 250]) * 100 for _ in owners],
        0.6,
    )
    _pledges(data, toys, owners[5:17], [data.rng.randint(1, 12) for _ in owners], 0.4)
    _pledges(
        data, food, owners[2:12], [data.rng.choice([50, 100, 200, 400]) * 100 for _ in owners], 1.0
    )
    db.session.flush()
    # The demo writes its history as plain rows (past dates, staff who received them): count
    # them into the drives' totals the way the pledges would have been.
    recount(db.session, [coats.id, toys.id, food.id])
    # The charity car wash is part of the coats drive.
    for event_id in db.session.scalars(select(Event.id).where(Event.kind == EventKind.CHARITY)):
        db.session.add(DriveEvent(drive_id=coats.id, event_id=event_id))
    db.session.flush()
