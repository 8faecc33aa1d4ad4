"""Seat rewards: redeeming holds a seat at the event and issues the ticket; declining frees it."""

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.errors import ServiceError
from portal.events.models import RsvpStatus
from portal.events.services import rsvps
from portal.events.services.rsvps import REWARD_SEAT_CANCEL
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.queries import points_balance
from portal.rewards.models import Category, Redemption, Reward
from tests.factories import TZ
from tests.rewards.seats import (
    decline_seat,
    redeem_seat,
    rsvp_of,
    seats_held_by_rsvps,
    seats_taken,
)


def _seat_reward(make_reward, event, **overrides) -> Reward:
    values = {"name": "VIP seat at the launch", "points_cost": 400, "stock": 5}
    return make_reward(event_id=event.id, **(values | overrides))


def _redemptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Redemption))


def test_redeeming_holds_a_seat_issues_the_ticket_and_marks_the_rsvp(
    make_owner, make_event, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    event = make_event("Launch night", capacity=10)
    reward = _seat_reward(make_reward, event)
    redemption = redeem_seat(owner.id, reward.id)
    db.session.commit()
    rsvp = rsvp_of(event.id, owner.id)
    assert (rsvp.status, rsvp.via_reward, rsvp.guests) == (RsvpStatus.CONFIRMED, True, 0)
    assert rsvp.ticket_nonce and rsvp.ticket_hash
    assert (redemption.rsvp_id, redemption.rsvp_was) == (rsvp.id, None)
    assert seats_taken(event.id) == 1 == seats_held_by_rsvps(event.id)
    assert points_balance(db.session, owner.id) == 100
    assert db.session.get(Reward, reward.id).stock == 4


def test_a_full_event_refuses_the_redemption_and_nothing_changes(
    make_owner, make_event, make_reward, give_points, rsvp_as
):
    event = make_event("Launch night", capacity=1)
    rsvp_as(make_owner(), event)
    owner = make_owner()
    give_points(owner, 500)
    reward = _seat_reward(make_reward, event, stock=3)
    with pytest.raises(ServiceError, match="Launch night is full"):
        redeem_seat(owner.id, reward.id)
    db.session.rollback()
    assert _redemptions() == 0
    assert points_balance(db.session, owner.id) == 500
    assert db.session.get(Reward, reward.id).stock == 3
    assert seats_taken(event.id) == 1
    assert rsvp_of(event.id, owner.id) is None


def test_an_owner_with_a_seat_is_upgraded_without_a_second_seat(
    make_owner, make_event, make_reward, give_points, rsvp_as, make_coordinator
):
    owner = make_owner()
    give_points(owner, 900)
    event = make_event("Launch night", capacity=3, guests_allowed=2)
    before = rsvp_as(owner, event, guests=1)
    nonce = before.ticket_nonce
    reward = _seat_reward(make_reward, event)
    redemption = redeem_seat(owner.id, reward.id)
    db.session.commit()
    rsvp = rsvp_of(event.id, owner.id)
    assert (rsvp.id, rsvp.via_reward, rsvp.guests, rsvp.ticket_nonce) == (before.id, True, 1, nonce)
    assert redemption.rsvp_was == RsvpStatus.CONFIRMED
    assert seats_taken(event.id) == 2
    # Redeeming again for the same event is refused: the seat is already the reward's.
    with pytest.raises(ServiceError, match="already have your seat"):
        redeem_seat(owner.id, reward.id)
    db.session.rollback()
    # Declining returns the points; the seat the owner had booked stays theirs, plainly.
    decline_seat(redemption.id, make_coordinator())
    rsvp = rsvp_of(event.id, owner.id)
    assert (rsvp.status, rsvp.via_reward, rsvp.ticket_nonce) == (RsvpStatus.CONFIRMED, False, nonce)
    assert seats_taken(event.id) == 2
    assert points_balance(db.session, owner.id) == 900


def test_declining_frees_the_seat_returns_the_points_and_promotes_the_waitlist(
    make_owner, make_event, make_reward, give_points, rsvp_as, make_coordinator
):
    event = make_event("Launch night", capacity=2)
    owner = make_owner()
    give_points(owner, 400)
    reward = _seat_reward(make_reward, event, stock=1)
    redemption = redeem_seat(owner.id, reward.id)
    db.session.commit()
    rsvp_as(make_owner(), event)
    waiting = make_owner()
    assert rsvp_as(waiting, event).status == RsvpStatus.WAITLISTED
    assert points_balance(db.session, owner.id) == 0
    notification_ids = decline_seat(redemption.id, make_coordinator())
    [told] = [db.session.get(Notification, id_) for id_ in notification_ids]
    assert (told.user_id, told.kind) == (waiting.id, "event_promoted")
    assert told.action_path == f"/events/{event.id}"
    gone = rsvp_of(event.id, owner.id)
    assert (gone.status, gone.via_reward, gone.ticket_hash) == (RsvpStatus.CANCELLED, False, None)
    promoted = rsvp_of(event.id, waiting.id)
    assert promoted.status == RsvpStatus.CONFIRMED and promoted.ticket_hash
    assert seats_taken(event.id) == 2 == seats_held_by_rsvps(event.id)
    assert points_balance(db.session, owner.id) == 400
    assert db.session.get(Reward, reward.id).stock == 1
    assert db.session.get(Redemption, redemption.id).status == "declined"


def test_a_waitlisted_owner_gets_a_seat_and_declining_puts_them_back_in_the_queue(
    make_owner, make_event, make_reward, give_points, add_rsvp, rsvp_as, make_coordinator
):
    event = make_event("Launch night", capacity=2)
    ahead = make_owner()
    owner = make_owner()
    add_rsvp(event, ahead)  # first in the queue, while a seat happens to be free
    add_rsvp(event, owner)
    give_points(owner, 400)
    reward = _seat_reward(make_reward, event)
    redemption = redeem_seat(owner.id, reward.id)
    db.session.commit()
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.CONFIRMED
    assert redemption.rsvp_was == RsvpStatus.WAITLISTED
    rsvp_as(make_owner(), event)
    decline_seat(redemption.id, make_coordinator())
    # The freed seat goes to whoever was first in the queue.
    assert rsvp_of(event.id, ahead.id).status == RsvpStatus.CONFIRMED
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.WAITLISTED
    assert seats_taken(event.id) == 2 == seats_held_by_rsvps(event.id)


def test_the_owner_cannot_cancel_a_reward_seat_on_their_own(
    make_owner, make_event, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 400)
    event = make_event("Launch night")
    redeem_seat(owner.id, _seat_reward(make_reward, event).id)
    db.session.commit()
    rsvp = rsvp_of(event.id, owner.id)
    with pytest.raises(ServiceError) as refused:
        rsvps.cancel_rsvp(
            db.session,
            rsvp=rsvp,
            now=clock.now(),
            secret_key=current_app.config["SECRET_KEY"],
            event_url="/",
        )
    assert refused.value.message == REWARD_SEAT_CANCEL
    db.session.rollback()
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.CONFIRMED
    assert seats_taken(event.id) == 1


def test_a_seat_reward_touches_no_other_event_and_no_other_reward(
    make_owner, make_event, make_reward, give_points, make_coordinator
):
    owner = make_owner()
    give_points(owner, 1_000)
    event = make_event("Launch night", capacity=5)
    other_event = make_event("Track day", capacity=5, seats_taken=2)
    reward = _seat_reward(make_reward, event, stock=2)
    other_reward = _seat_reward(make_reward, other_event, stock=7)
    plain = make_reward("Valet", stock=4)
    redemption = redeem_seat(owner.id, reward.id)
    db.session.commit()
    assert seats_taken(other_event.id) == 2
    assert rsvp_of(other_event.id, owner.id) is None
    assert [db.session.get(Reward, r.id).stock for r in (other_reward, plain)] == [7, 4]
    decline_seat(redemption.id, make_coordinator())
    assert seats_taken(event.id) == 0
    assert seats_taken(other_event.id) == 2
    assert [db.session.get(Reward, r.id).stock for r in (reward, other_reward, plain)] == [2, 7, 4]


def test_only_an_experience_can_be_tied_to_an_event_that_goes_ahead(make_event, make_reward):
    from zoneinfo import ZoneInfo

    from portal.rewards import services

    event = make_event("Launch night")
    values = {
        "name": "Front row",
        "description": "",
        "category": Category.TRANSACTIONAL,
        "points_cost": 300,
        "min_tier": 0,
        "stock": None,
        "is_active": True,
        "event_id": event.id,
    }
    zone = ZoneInfo(TZ)
    with pytest.raises(ServiceError) as refused:
        services.save_reward(db.session, None, values, first_day=None, last_day=None, zone=zone)
    assert refused.value.message == "Only an experience can come with a seat at an event."
    assert refused.value.field == "event_id"
    db.session.rollback()
    saved = services.save_reward(
        db.session,
        None,
        values | {"category": Category.EXPERIENTIAL},
        first_day=None,
        last_day=None,
        zone=zone,
    )
    db.session.commit()
    assert saved.event_id == event.id


def test_declining_after_the_event_was_called_off_returns_points_and_promotes_nobody(
    make_owner, make_event, make_reward, give_points, rsvp_as, make_coordinator
):
    from portal.events.services import planning

    event = make_event("Launch night", capacity=1)
    owner = make_owner()
    give_points(owner, 400)
    redemption = redeem_seat(owner.id, _seat_reward(make_reward, event).id)
    db.session.commit()
    waiting = make_owner()
    rsvp_as(waiting, event)
    planning.cancel_event(
        db.session, event, "The venue flooded.", now=clock.now(), tz=TZ, event_url="/"
    )
    db.session.commit()
    assert decline_seat(redemption.id, make_coordinator()) == []
    assert rsvp_of(event.id, waiting.id).status == RsvpStatus.WAITLISTED
    assert rsvp_of(event.id, owner.id).via_reward is False
    assert points_balance(db.session, owner.id) == 400


@pytest.mark.parametrize("which", ["called off", "unknown"])
def test_a_seat_reward_needs_an_event_that_goes_ahead(make_event, make_reward, which):
    from zoneinfo import ZoneInfo

    from portal.events.models import EventStatus
    from portal.rewards import services

    event = make_event("Launch night")
    if which == "called off":
        event.status = EventStatus.CANCELLED
        db.session.commit()
    plain = make_reward("Valet", stock=4)
    values = {
        "name": "Front row",
        "description": "",
        "category": Category.EXPERIENTIAL,
        "points_cost": 300,
        "min_tier": 0,
        "stock": None,
        "is_active": True,
        "event_id": event.id if which == "called off" else event.id + 1_000,
    }
    with pytest.raises(ServiceError) as refused:
        services.save_reward(
            db.session, None, values, first_day=None, last_day=None, zone=ZoneInfo(TZ)
        )
    assert refused.value.message == "Choose an event that is still going ahead."
    assert refused.value.field == "event_id"
    db.session.rollback()
    assert db.session.scalars(select(Reward.id)).all() == [plain.id]


def test_declining_a_seat_without_the_secret_key_is_refused_and_changes_nothing(
    make_owner, make_event, make_reward, give_points, make_coordinator
):
    from portal.rewards import services

    owner = make_owner()
    give_points(owner, 400)
    event = make_event("Launch night")
    redemption = redeem_seat(owner.id, _seat_reward(make_reward, event).id)
    db.session.commit()
    with pytest.raises(ValueError) as refused:
        services.decline(
            db.session, redemption=redemption, actor=make_coordinator(), note=None, now=clock.now()
        )
    assert str(refused.value) == "Freeing a reward seat needs the app's secret key for tickets."
    db.session.rollback()
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.CONFIRMED
    assert seats_taken(event.id) == 1
    assert points_balance(db.session, owner.id) == 0


def test_a_seat_reward_cannot_be_redeemed_without_the_secret_key_for_its_ticket(
    make_owner, make_event, make_reward, give_points
):
    from portal.accounts.models import User
    from portal.rewards import services

    owner = make_owner()
    give_points(owner, 500)
    event = make_event("Launch night")
    reward = _seat_reward(make_reward, event)
    with pytest.raises(ValueError) as refused:
        services.redeem(
            db.session, user=db.session.get(User, owner.id), reward_id=reward.id, now=clock.now()
        )
    assert str(refused.value) == "A seat reward needs the app's secret key to issue its ticket."
    db.session.rollback()
    assert _redemptions() == 0
    assert rsvp_of(event.id, owner.id) is None
    assert points_balance(db.session, owner.id) == 500
