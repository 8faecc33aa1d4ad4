"""The dataset of `bench/pages.py`: a big dealer group's portal, seeded and repeatable.

Owners and cars come from the reminders benchmark's generator (`bench/reminders_due.py`);
this module adds staff, events with RSVPs, referrals, points, notifications, charity drives
with pledges, rewards with redemptions and announcements, each with bulk inserts. Owner 1
("the bench owner") has some of everything, so the owner pages show real content.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import select, text

from bench.reminders_due import analyze_after_bulk_load, bulk, generate
from portal.accounts.models import User
from portal.accounts.services.members import hash_password
from portal.charity.models import Contribution, Drive
from portal.charity.tally import recount
from portal.community.models import Announcement
from portal.community.rules import RENDERER_VERSION, announcement_html
from portal.events.models import CalendarFeed, Event, Rsvp
from portal.events.tokens import CALENDAR, TICKET, derive_token, fresh_token
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.referrals import services as referral_services
from portal.referrals.models import Referral
from portal.rewards.models import Redemption, Reward

#: Row counts at --scale 1, as the issue measures them.
FULL_SIZE = {
    "vehicles": 100_000,
    "events": 200,
    "rsvps": 18_000,
    "referrals": 6_000,
    "points": 60_000,
    "notifications": 210_000,
    "pledges": 3_000,
    "announcements": 120,
}
BENCH_PASSWORD = "bench-password-for-loopback"  # noqa: S105 - a throwaway dataset's logins
OWNER_ID = 1
STAFF = {"admin": "admin@bench.example", "coordinator": "events@bench.example"}
STAGES = ["invited", "contacted", "test_drive", "purchased", "lost"]


@dataclass
class Dataset:
    """What the page list needs to know about the generated data."""

    owner_email: str
    busiest_event_id: int
    upcoming_event_id: int
    invite_code: str
    feed_token: str


def build(app: Flask, url: str, scale: float, seed: int) -> Dataset:
    """A fresh schema filled at `scale` of the issue's size (1.0 = 70,000 owners)."""
    sizes = {name: max(1, int(count * scale)) for name, count in FULL_SIZE.items()}
    generate(url, sizes["vehicles"])
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        _sync_sequences()
        owners = db.session.scalar(select(db.func.max(User.id)))
        _staff_and_bench_owner(app, now)
        _ambassadors(rng, owners)
        event_ids = _events(rng, sizes, owners, now)
        _referrals(rng, sizes["referrals"], owners, now)
        _points(rng, sizes["points"], owners, now)
        _notifications(rng, sizes["notifications"], owners, now)
        _charity(rng, sizes["pledges"], owners, now)
        _rewards(rng, owners, now)
        _announcements(rng, sizes["announcements"], now)
        dataset = _links(app, event_ids)
        _sync_sequences()
        db.session.commit()
        analyze_after_bulk_load()
        db.session.commit()
        db.engine.dispose()
    return dataset


def _sync_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids the bulk inserts gave explicitly."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement is not False:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )


def _staff_and_bench_owner(app: Flask, now: datetime) -> None:
    password_hash = hash_password(BENCH_PASSWORD, app.config["PASSWORD_HASH_METHOD"])
    for role, email in STAFF.items():
        db.session.add(
            User(email=email, name=f"Bench {role.title()}", role=role, password_hash=password_hash)
        )
    owner = db.session.get(User, OWNER_ID)
    owner.password_hash, owner.email_verified_at = password_hash, now
    owner.consent_recognition, owner.tier_level = True, 2
    db.session.flush()


def _ambassadors(rng: random.Random, owners: int) -> None:
    """About 1 in 200 owners are ambassadors who agreed to be named."""
    for user_id in rng.sample(range(2, owners + 1), owners // 200):
        db.session.execute(
            db.update(User)
            .where(User.id == user_id)
            .values(tier_level=rng.randint(1, 3), consent_recognition=rng.random() < 0.6)
        )


def _events(rng: random.Random, sizes: dict, owners: int, now: datetime) -> list[int]:
    """Three quarters past, a quarter upcoming; RSVPs spread over them, the owner in some."""
    count, per_event = sizes["events"], max(1, sizes["rsvps"] // sizes["events"])
    rows = []
    for number in range(1, count + 1):
        starts = now + timedelta(days=rng.randint(-700, -1) if number % 4 else rng.randint(2, 120))
        rows.append(
            {
                "id": number,
                "title": f"Car-care clinic {number}",
                "kind": rng.choice(["clinic", "launch", "meet", "charity"]),
                "description": "Bring your car; our technicians check tyres, brakes and fluids.",
                "location": "Harbourside Motors service hall",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "capacity": per_event * 2,
                "seats_taken": per_event,
                "audience": "public" if number % 3 == 0 else "owners",
                "target_make": "Honda" if number % 5 == 0 else None,
                "status": "published",
                "published_at": starts - timedelta(days=30),
            }
        )
    bulk(Event, rows)
    rsvps = []
    for event in rows:
        attendees = rng.sample(range(2, owners + 1), min(per_event, owners - 1))
        if event["id"] % 10 == 0:
            attendees[0] = OWNER_ID
        for user_id in attendees:
            nonce, token_hash = fresh_token("unused", TICKET)
            rsvps.append(
                {
                    "event_id": event["id"],
                    "user_id": user_id,
                    "status": "confirmed",
                    "confirmed_at": event["published_at"],
                    "ticket_nonce": nonce,
                    "ticket_hash": token_hash,
                }
            )
    bulk(Rsvp, rsvps)
    return [event["id"] for event in rows]


def _referrals(rng: random.Random, count: int, owners: int, now: datetime) -> None:
    bulk(
        Referral,
        [
            {
                "referrer_id": OWNER_ID if number % 500 == 0 else rng.randint(2, owners),
                "name": f"Prospect {number}",
                "email": f"prospect{number}@example.net",
                "stage": rng.choice(STAGES),
                "stage_changed_at": now - timedelta(days=rng.randint(0, 400)),
                "model_of_interest": "CR-V",
                "consent_contact": True,
            }
            for number in range(1, count + 1)
        ],
    )


def _points(rng: random.Random, count: int, owners: int, now: datetime) -> None:
    bulk(
        PointsEntry,
        [
            {
                "user_id": OWNER_ID if number % 2000 == 0 else rng.randint(2, owners),
                "points": rng.choice([50, 100, 250, 500]),
                "reason": "Checked in at a clinic",
                "idempotency_key": f"bench:{number}",
                "created_at": now - timedelta(days=rng.randint(0, 700)),
            }
            for number in range(1, count + 1)
        ],
    )


def _notifications(rng: random.Random, count: int, owners: int, now: datetime) -> None:
    rows = []
    for number in range(1, count + 1):
        created = now - timedelta(minutes=rng.randint(0, 700 * 24 * 60))
        rows.append(
            {
                "user_id": OWNER_ID if number % 7000 == 0 else rng.randint(2, owners),
                "key": f"bench:{number}",
                "kind": rng.choice(["service", "event", "referral", "reward"]),
                "subject": "Your car is ready for its service",
                "body": "Book a time that suits you; the visit takes about an hour.",
                "action_path": "/reminders",
                "action_label": "See your reminders",
                "channel": "email",
                "status": "sent",
                "attempts": 1,
                "created_at": created,
                "sent_at": created,
                "read_at": created if number % 3 else None,
            }
        )
    bulk(Notification, rows)


def _charity(rng: random.Random, pledges: int, owners: int, now: datetime) -> None:
    today = now.date()
    drives = [
        {
            "id": number,
            "name": f"Winter coat drive {number}",
            "beneficiary_name": "Harbour Food Bank",
            "story": "Every coat keeps a neighbour warm.",
            "goal_kind": "money",
            "goal_amount": 50_000,
            "starts_on": today - timedelta(days=30 * number),
            "ends_on": today + timedelta(days=60) if number <= 2 else today - timedelta(days=5),
            "status": "open" if number <= 2 else "closed",
            "match_percent": 50,
            "opened_at": now - timedelta(days=30 * number),
        }
        for number in range(1, 7)
    ]
    bulk(Drive, drives)
    bulk(
        Contribution,
        [
            {
                "drive_id": rng.randint(1, len(drives)),
                "user_id": rng.randint(1, owners),
                "kind": "pledge",
                "amount": rng.choice([10, 25, 50, 100]),
                "show_name": rng.random() < 0.5,
                "received_at": now if rng.random() < 0.7 else None,
                "created_at": now - timedelta(days=rng.randint(0, 170)),
            }
            for _ in range(pledges)
        ],
    )
    recount(db.session)  # the bulk rows into the drives' running totals, as pledges add them


def _rewards(rng: random.Random, owners: int, now: datetime) -> None:
    categories = ["transactional", "experiential", "recognition", "altruistic"]
    bulk(
        Reward,
        [
            {
                "id": number,
                "name": f"Reward {number}",
                "description": "A thank-you from the dealership.",
                "category": categories[number % 4],
                "points_cost": 100 * number,
                "min_tier": number % 3,
                "stock": None if number % 2 else 50,
            }
            for number in range(1, 21)
        ],
    )
    bulk(
        Redemption,
        [
            {
                "user_id": OWNER_ID if number % 100 == 0 else rng.randint(2, owners),
                "reward_id": rng.randint(1, 20),
                "points": 200,
                "status": rng.choice(["pending", "fulfilled", "declined"]),
                "created_at": now - timedelta(days=rng.randint(0, 300)),
            }
            for number in range(1, 601)
        ],
    )


def _announcements(rng: random.Random, count: int, now: datetime) -> None:
    body = (
        "## Winter is coming\n\nOur **tyre clinic** is open every Saturday in November. "
        "Bring your car and we'll check pressure, tread and the spare.\n\n"
        "- free coffee\n- a loan car if you need one\n- [book a time](https://example.com)\n"
    )
    # Stored with their HTML, as saving an announcement does.
    html = {kind: str(announcement_html(body, kind)) for kind in ("markdown", "text")}
    bulk(
        Announcement,
        [
            {
                "title": f"News from the service team {number}",
                "body": body,
                "body_format": "markdown" if number % 2 else "text",
                "body_html": html["markdown" if number % 2 else "text"],
                "renderer_version": RENDERER_VERSION,
                "pinned": number % 40 == 0,
                "audience": rng.choice(["everyone", "owners", "make"]),
                "make": "Honda",
                "published_at": now - timedelta(days=number),
            }
            for number in range(1, count + 1)
        ],
    )


def _links(app: Flask, event_ids: list[int]) -> Dataset:
    """The bench owner's invite code and calendar feed, and the events the pages show."""
    secret = app.config["SECRET_KEY"]
    owner = db.session.get(User, OWNER_ID)
    code = referral_services.invite_code_for(db.session, owner, secret)
    nonce, token_hash = fresh_token(secret, CALENDAR)
    db.session.add(CalendarFeed(user_id=OWNER_ID, nonce=nonce, token_hash=token_hash))
    today = datetime.combine(date.today(), datetime.min.time(), UTC)
    upcoming = db.session.scalar(
        select(Event.id).where(Event.starts_at > today).order_by(Event.starts_at).limit(1)
    )
    return Dataset(
        owner_email=owner.email,
        busiest_event_id=event_ids[0],
        upcoming_event_id=upcoming or event_ids[-1],
        invite_code=code,
        feed_token=derive_token(secret, CALENDAR, nonce),
    )


def describe(app: Flask) -> Dataset:
    """The same facts for a dataset built earlier (--reuse), read back from the database."""
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        owner = db.session.get(User, OWNER_ID)
        code = referral_services.invite_code_for(db.session, owner, secret)
        feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == OWNER_ID))
        today = datetime.combine(date.today(), datetime.min.time(), UTC)
        upcoming = db.session.scalar(
            select(Event.id).where(Event.starts_at > today).order_by(Event.starts_at).limit(1)
        )
        dataset = Dataset(
            owner_email=owner.email,
            busiest_event_id=1,
            upcoming_event_id=upcoming,
            invite_code=code,
            feed_token=derive_token(secret, CALENDAR, feed.nonce),
        )
        db.session.rollback()
        db.engine.dispose()
    return dataset
