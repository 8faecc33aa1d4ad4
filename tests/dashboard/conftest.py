"""Dashboard fixtures: staff, and rows of every domain written straight to the database."""

from datetime import date, timedelta
from itertools import count

import pytest

from portal import clock
from portal.charity.models import Contribution, Drive, DriveStatus, GoalKind
from portal.community.models import Announcement
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.referrals.models import Referral, Stage
from portal.reminders.models import ServiceVisitRequest
from portal.rewards.models import Redemption, Reward

_numbers = count(1)


@pytest.fixture
def owner(make_owner):
    return make_owner(name="Olivia Owner", email="olivia@example.com")


@pytest.fixture
def make_vehicle(app):
    def factory(owner, **overrides) -> Vehicle:
        values = {
            "owner_id": owner.id,
            "vin": f"JM1NDAD7{next(_numbers):09d}",
            "make": "Mazda",
            "model": "MX-5",
            "year": 2021,
            "purchase_date": date(2021, 6, 1),
        }
        values.update(overrides)
        vehicle = Vehicle(**values)
        db.session.add(vehicle)
        db.session.commit()
        return vehicle

    return factory


@pytest.fixture
def make_event(app):
    """A published event `days` ahead: `make_event(capacity=20, seats_taken=5, waitlist=[...])`."""

    def factory(title="Winter care clinic", *, days=10, capacity=20, seats_taken=0, **overrides):
        starts = clock.now() + timedelta(days=days)
        values = {
            "title": title,
            "kind": "clinic",
            "location": "Service centre",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "capacity": capacity,
            "seats_taken": seats_taken,
            "status": EventStatus.PUBLISHED,
            "published_at": clock.now(),
        }
        values.update(overrides)
        event = Event(**values)
        db.session.add(event)
        db.session.commit()
        return event

    return factory


@pytest.fixture
def add_rsvp(app):
    def factory(event, user, status=RsvpStatus.WAITLISTED) -> Rsvp:
        rsvp = Rsvp(event_id=event.id, user_id=user.id, status=status, waitlisted_at=clock.now())
        db.session.add(rsvp)
        db.session.commit()
        return rsvp

    return factory


@pytest.fixture
def make_referral(app):
    def factory(referrer=None, *, stage=Stage.INVITED, name=None, days_ago=5, **overrides):
        number = next(_numbers)
        created = clock.now() - timedelta(days=days_ago)
        values = {
            "referrer_id": referrer.id if referrer else None,
            "name": name or f"Friend Number{number}",
            "email": f"friend{number}@example.com",
            "stage": stage,
            "consent_contact": True,
            "created_at": created,
            "stage_changed_at": created,
        }
        values.update(overrides)
        referral = Referral(**values)
        db.session.add(referral)
        db.session.commit()
        return referral

    return factory


@pytest.fixture
def make_drive(app):
    def factory(name="Coats for Kids", **overrides) -> Drive:
        today = clock.local_today("America/New_York")
        values = {
            "name": name,
            "beneficiary_name": "Harbour Family Shelter",
            "goal_kind": GoalKind.MONEY,
            "goal_amount": 5_000_00,
            "starts_on": today - timedelta(days=5),
            "ends_on": today + timedelta(days=10),
            "status": DriveStatus.OPEN,
        }
        values.update(overrides)
        drive = Drive(**values)
        db.session.add(drive)
        db.session.commit()
        return drive

    return factory


@pytest.fixture
def add_contribution(app):
    def factory(drive, user, amount=100_00, *, received=False, message=None) -> Contribution:
        contribution = Contribution(
            drive_id=drive.id,
            user_id=user.id,
            amount=amount,
            message=message,
            received_at=clock.now() if received else None,
        )
        db.session.add(contribution)
        db.session.commit()
        return contribution

    return factory


@pytest.fixture
def make_reward(app):
    def factory(name="Detailing voucher", **overrides) -> Reward:
        values = {"name": name, "category": "service", "points_cost": 500}
        values.update(overrides)
        reward = Reward(**values)
        db.session.add(reward)
        db.session.commit()
        return reward

    return factory


@pytest.fixture
def make_redemption(app, make_reward):
    def factory(user, reward=None, **overrides) -> Redemption:
        reward = reward or make_reward()
        values = {"user_id": user.id, "reward_id": reward.id, "points": reward.points_cost}
        values.update(overrides)
        redemption = Redemption(**values)
        db.session.add(redemption)
        db.session.commit()
        return redemption

    return factory


@pytest.fixture
def make_visit_request(app, make_vehicle):
    def factory(user, **overrides) -> ServiceVisitRequest:
        vehicle = overrides.pop("vehicle", None) or make_vehicle(user)
        values = {
            "user_id": user.id,
            "vehicle_id": vehicle.id,
            "topic": "Service due",
            "preferred_day": clock.local_today("America/New_York") + timedelta(days=3),
            "time_window": "morning",
        }
        values.update(overrides)
        visit = ServiceVisitRequest(**values)
        db.session.add(visit)
        db.session.commit()
        return visit

    return factory


@pytest.fixture
def make_announcement(app):
    def factory(title="Spring meet", **overrides) -> Announcement:
        values = {"title": title, "body": "See you there.", "published_at": clock.now()}
        values.update(overrides)
        announcement = Announcement(**values)
        db.session.add(announcement)
        db.session.commit()
        return announcement

    return factory


@pytest.fixture
def make_notification(app):
    def factory(user, **overrides) -> Notification:
        number = next(_numbers)
        values = {
            "user_id": user.id,
            "key": f"test:{number}",
            "kind": "event",
            "subject": f"Message {number}",
            "body": "Hello.",
            "channel": "email",
            "status": "sent",
        }
        values.update(overrides)
        notification = Notification(**values)
        db.session.add(notification)
        db.session.commit()
        return notification

    return factory
