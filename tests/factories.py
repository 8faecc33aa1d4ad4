"""Test data: one plain function per kind of row, each committing what it made.

`tests/conftest.py` hands these to tests as `make_*`/`add_*` fixtures. A factory goes through
the domain's service where one exists for the thing (events, referrals, RSVPs, pledges, points)
so the row looks as the portal would leave it; otherwise it writes the row directly. Defaults
are plain and stable; a test that depends on a value passes it.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import count

from flask import current_app

from portal import clock
from portal.accounts.models import Role, User
from portal.accounts.services.members import hash_password
from portal.charity import services as charity_services
from portal.charity.models import Contribution, Drive, DriveStatus, GoalKind
from portal.charity.queries import linked_event_ids
from portal.charity.services import set_linked_events
from portal.charity.tally import count_contribution
from portal.community.models import Announcement
from portal.events.models import Event, EventKind, EventStatus, Rsvp, RsvpStatus
from portal.events.services import planning, rsvps
from portal.extensions import db
from portal.garage.models import OdometerReading, ServiceRecord, Vehicle
from portal.garage.rules import with_check_digit
from portal.notifications.models import Notification
from portal.points.services import award_points
from portal.referrals import services as referral_services
from portal.referrals.models import Referral, Stage
from portal.reminders.models import ServiceVisitRequest
from portal.rewards.models import Category, Redemption, Reward

TEST_PASSWORD = "correct horse battery"
#: The dealership's time zone in the test configuration.
TZ = "America/New_York"

_sequences: defaultdict[str, Iterator[int]] = defaultdict(lambda: count(1))


def next_number(kind: str) -> int:
    """1, 2, 3… for each kind of row, starting again in every test."""
    return next(_sequences[kind])


def reset_numbers() -> None:
    """Start every sequence again (the `app` fixture calls this for each test)."""
    _sequences.clear()


def _saved(row):
    db.session.add(row)
    db.session.commit()
    return row


def today() -> date:
    """Today in the dealership's configured time zone."""
    return clock.local_today(current_app.config["PORTAL_TIMEZONE"])


# --- People -------------------------------------------------------------------------------


def user(**overrides) -> User:
    """A member, an owner unless `role` says otherwise; signs in with TEST_PASSWORD."""
    number = next_number("user")
    password = overrides.pop("password", TEST_PASSWORD)
    values = {
        "email": f"owner{number}@example.com",
        "name": f"Owner Number{number}",
        "role": Role.OWNER,
        "password_hash": hash_password(password, current_app.config["PASSWORD_HASH_METHOD"]),
    }
    return _saved(User(**(values | overrides)))


def owner(**overrides) -> User:
    """An owner."""
    return user(role=Role.OWNER, **overrides)


def coordinator(**overrides) -> User:
    """A coordinator (staff who run events, referrals, rewards and drives)."""
    return user(role=Role.COORDINATOR, **overrides)


def give_points(member: User, points: int) -> None:
    """Credit the member's points ledger."""
    award_points(
        db.session,
        user_id=member.id,
        points=points,
        idempotency_key=f"test:gift:{next_number('gift')}:{member.id}",
        reason="Came to a clinic",
        now=clock.now(),
    )
    db.session.commit()


def notification(member: User, **overrides) -> Notification:
    """A message already sent to the member by email."""
    number = next_number("notification")
    values = {
        "user_id": member.id,
        "key": f"test:{number}",
        "kind": "event",
        "subject": f"Message {number}",
        "body": "Hello.",
        "channel": "email",
        "status": "sent",
    }
    return _saved(Notification(**(values | overrides)))


def announcement(title: str = "Spring meet", **overrides) -> Announcement:
    """A published announcement for everyone."""
    values = {"title": title, "body": "See you there.", "published_at": clock.now()}
    made = Announcement(**(values | overrides))
    made.render()  # as saving through the service does
    return _saved(made)


# --- Garage -------------------------------------------------------------------------------


def vehicle(owner: User, **overrides) -> Vehicle:
    """A 2022 Honda Civic with 1,000 miles at purchase (date unknown) in the owner's garage."""
    values = {
        "owner_id": owner.id,
        # A valid VIN from a range no test names by number.
        "vin": with_check_digit(f"1HGCV1F3_NA{900_000 + next_number('vehicle'):06d}"),
        "make": "Honda",
        "model": "Civic",
        "year": 2022,
        "purchase_odometer": 1000,
    }
    return _saved(Vehicle(**(values | overrides)))


def odometer_reading(car: Vehicle, on: date, miles: int) -> None:
    """A reading of the car's odometer on a day."""
    _saved(OdometerReading(vehicle_id=car.id, read_on=on, miles=miles))


def service_record(
    car: Vehicle, on: date, miles: int | None = None, recall_code: str | None = None
) -> None:
    """An oil-and-filter service (or a recall repair) done on a day."""
    _saved(
        ServiceRecord(
            vehicle_id=car.id,
            performed_on=on,
            miles=miles,
            work_done="Oil and filter",
            recall_code=recall_code,
        )
    )


def visit_request(member: User, **overrides) -> ServiceVisitRequest:
    """An open request for a service visit three days ahead, for a new car unless given one."""
    car_to_service = overrides.pop("vehicle", None) or vehicle(member)
    values = {
        "user_id": member.id,
        "vehicle_id": car_to_service.id,
        "topic": "Service due",
        "preferred_day": today() + timedelta(days=3),
        "time_window": "morning",
    }
    return _saved(ServiceVisitRequest(**(values | overrides)))


# --- Events -------------------------------------------------------------------------------


def event(
    title: str = "Winter care clinic",
    *,
    days: int = 10,
    status: str = EventStatus.PUBLISHED,
    seats_taken: int = 0,
    **overrides,
) -> Event:
    """A two-hour clinic `days` ahead with 10 seats, made and published through the service.

    `seats_taken` fills seats without RSVPs behind them (for staff figures).
    """
    starts_at = overrides.pop("starts_at", clock.now() + timedelta(days=days))
    values = {
        "title": title,
        "kind": EventKind.CLINIC,
        "description": "",
        "location": "Service centre",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "capacity": 10,
    }
    details = planning.EventDetails(**(values | overrides))
    made = planning.create_event(db.session, details, clock.now())
    if status != EventStatus.DRAFT:
        planning.publish_event(db.session, made, clock.now())
    made.seats_taken = seats_taken
    db.session.commit()
    return made


def rsvp_as(member: User, to: Event, guests: int = 0) -> Rsvp:
    """The member RSVPs through the service (a seat, or the waitlist when full)."""
    outcome = rsvps.place_rsvp(
        db.session,
        event=to,
        user=member,
        guests=guests,
        now=clock.now(),
        tz=TZ,
        secret_key=current_app.config["SECRET_KEY"],
        event_url=f"/events/{to.id}",
    )
    db.session.commit()
    return outcome.rsvp


def rsvp(to: Event, member: User, status: str = RsvpStatus.WAITLISTED) -> Rsvp:
    """An RSVP row as given, bypassing seat counting (for staff lists and figures)."""
    return _saved(Rsvp(event_id=to.id, user_id=member.id, status=status, waitlisted_at=clock.now()))


# --- Referrals ----------------------------------------------------------------------------


def referral(
    referrer: User | None = None,
    *,
    name: str | None = None,
    stage: str = Stage.INVITED,
    days_ago: int = 0,
    **overrides,
) -> Referral:
    """A friend referred through the landing-page service, moved on to `stage`.

    Manual stages go through the pipeline service (points and all); a purchase is only marked,
    without the car. `days_ago` dates the referral back; other overrides are set on the row.
    """
    number = next_number("referral")
    made = referral_services.submit_referral(
        db.session,
        referrer=referrer,
        name=name or f"Friend Number{number}",
        email=overrides.pop("email", f"friend{number}@example.net"),
        phone=None,
        preferred_contact="email",
        model_of_interest=overrides.pop("model_of_interest", "Electric SUV"),
        consent_contact=True,
        now=clock.now(),
    )
    db.session.flush()
    if stage in referral_services.MANUAL_STAGES:
        referral_services.move_stage(db.session, referral=made, stage=stage, now=clock.now())
    else:
        made.stage = stage
    if days_ago:
        made.created_at = made.stage_changed_at = clock.now() - timedelta(days=days_ago)
    for field, value in overrides.items():
        setattr(made, field, value)
    db.session.commit()
    return made


def invite_code(member: User) -> str:
    """The member's current invite code, created if needed."""
    code = referral_services.invite_code_for(db.session, member, current_app.config["SECRET_KEY"])
    db.session.commit()
    return code


# --- Charity ------------------------------------------------------------------------------


def drive(name: str = "Coats for Kids", **overrides) -> Drive:
    """An open money drive for a shelter, five days in with ten to go, aiming at $10,000."""
    values = {
        "name": name,
        "beneficiary_name": "Harbour Family Shelter",
        "beneficiary_description": "Winter support for families.",
        "beneficiary_url": "https://shelter.example.org",
        "story": "Every winter, children arrive without a coat.\n\nLet's change that.",
        "goal_kind": GoalKind.MONEY,
        "goal_amount": 10_000_00,
        "starts_on": today() - timedelta(days=5),
        "ends_on": today() + timedelta(days=10),
        "status": DriveStatus.OPEN,
    }
    return _saved(Drive(**(values | overrides)))


def pledge(
    to: Drive, member: User, amount: int, *, message=None, show_name=False, received_by=None
):
    """The member pledges through the service (matching, points and all)."""
    contribution = charity_services.record_pledge(
        db.session,
        drive=to,
        user=member,
        amount=amount,
        message=message,
        show_name=show_name,
        now=clock.now(),
        today=today(),
        received_by=received_by,
    )
    db.session.commit()
    return contribution


def contribution(
    to: Drive, member: User, amount: int = 100_00, *, received=False, message=None
) -> Contribution:
    """A pledge row as given, bypassing the service's checks (for staff lists and exports)."""
    row = Contribution(
        drive_id=to.id,
        user_id=member.id,
        amount=amount,
        message=message,
        received_at=clock.now() if received else None,
    )
    db.session.add(row)
    db.session.flush()
    count_contribution(
        db.session,
        drive_id=to.id,
        user_id=member.id,
        kind="pledge",
        amount=amount,
        received=received,
    )
    db.session.commit()
    return row


def link_events(to: Drive, *events: Event) -> None:
    """Link events to a drive, keeping the ones already linked."""
    set_linked_events(
        db.session, to, linked_event_ids(db.session, to) + [linked.id for linked in events]
    )
    db.session.commit()


# --- Rewards ------------------------------------------------------------------------------


def reward(name: str = "Premium detailing", **overrides) -> Reward:
    """An experiential reward for 100 points, open to every tier, unlimited stock."""
    values = {
        "name": name,
        "description": "A full polish.",
        "category": Category.EXPERIENTIAL,
        "points_cost": 100,
        "min_tier": 0,
        "stock": None,
    }
    return _saved(Reward(**(values | overrides)))


def redemption(member: User, chosen: Reward | None = None, **overrides) -> Redemption:
    """A pending redemption row (no points spent), of a new reward unless given one."""
    chosen = chosen or reward()
    values = {"user_id": member.id, "reward_id": chosen.id, "points": chosen.points_cost}
    return _saved(Redemption(**(values | overrides)))
