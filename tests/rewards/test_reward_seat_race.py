"""Seat rewards under concurrency: stock and seats never oversell, points stay exact.

Thirty owners redeem a seat reward while ten others RSVP to the same event, all released
together by a barrier, on SQLite and PostgreSQL. The control switches the seat's
conditional UPDATE for a read-then-write and shows the same race then overbooks.
"""

import pytest
from flask import current_app
from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.services import reward_seats
from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.rewards.models import Redemption, Reward
from tests.factories import rsvp_as as place_rsvp
from tests.rendezvous import Rendezvous
from tests.rewards.concurrency import run_at_once, sqlite_without_begin_immediate
from tests.rewards.seats import redeem_seat, seats_held_by_rsvps, seats_taken

CAPACITY = 10
SEATS_LEFT = 5
REDEEMERS = 30
RSVPERS = 10
COST = 400


def _race(make_owner, make_event, make_reward, give_points, rsvp_as, stock):
    """Five seats left; 30 redeemers and 10 RSVPs at once. (event id, reward id, owners)."""
    event = make_event("Launch night", capacity=CAPACITY)
    for _ in range(CAPACITY - SEATS_LEFT):
        rsvp_as(make_owner(), event)
    reward = make_reward(name="VIP seat", points_cost=COST, stock=stock, event_id=event.id)
    redeemers = [make_owner() for _ in range(REDEEMERS)]
    for owner in redeemers:
        give_points(owner, COST)
    rsvper_ids = [make_owner().id for _ in range(RSVPERS)]
    redeemer_ids = [owner.id for owner in redeemers]
    event_id, reward_id = event.id, reward.id

    def act(index: int):
        if index < REDEEMERS:
            return redeem_seat(redeemer_ids[index], reward_id)
        owner = db.session.get(User, rsvper_ids[index - REDEEMERS])
        return place_rsvp(owner, db.session.get(Event, event_id))

    results = run_at_once(current_app._get_current_object(), REDEEMERS + RSVPERS, act)
    return event_id, reward_id, redeemer_ids, results


def _confirmed(event_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.CONFIRMED)
    )


def test_thirty_seat_redemptions_and_ten_rsvps_never_pass_capacity(
    make_owner, make_event, make_reward, give_points, rsvp_as
):
    event_id, reward_id, redeemer_ids, results = _race(
        make_owner, make_event, make_reward, give_points, rsvp_as, stock=8
    )
    redeemed = [result for result in results[:REDEEMERS] if isinstance(result, Redemption)]
    assert len(redeemed) <= SEATS_LEFT
    # Every seat is taken, none twice: by reward seats or by RSVPs, never more.
    assert seats_taken(event_id) == CAPACITY == seats_held_by_rsvps(event_id)
    assert _confirmed(event_id) == CAPACITY
    reward_seats_held = db.session.scalar(
        select(func.count()).where(Rsvp.event_id == event_id, Rsvp.via_reward.is_(True))
    )
    assert reward_seats_held == len(redeemed)
    waitlisted = db.session.scalar(
        select(func.count()).where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.WAITLISTED)
    )
    assert waitlisted == RSVPERS - (SEATS_LEFT - len(redeemed))
    # Stock went down once per redemption, never below zero.
    assert db.session.get(Reward, reward_id).stock == 8 - len(redeemed) >= 0
    # Points exact: each winner spent the cost once, every refused owner kept theirs.
    balances = sorted(points_balance(db.session, owner_id) for owner_id in redeemer_ids)
    assert balances == [0] * len(redeemed) + [COST] * (REDEEMERS - len(redeemed))
    spent = db.session.scalar(
        select(func.count()).where(PointsEntry.redemption_id.is_not(None), PointsEntry.points < 0)
    )
    assert spent == len(redeemed) == db.session.scalar(select(func.count(Redemption.id)))


def test_the_stock_is_the_limit_when_it_is_smaller_than_the_seats_left(
    make_owner, make_event, make_reward, give_points, rsvp_as
):
    event_id, reward_id, redeemer_ids, results = _race(
        make_owner, make_event, make_reward, give_points, rsvp_as, stock=2
    )
    redeemed = [result for result in results[:REDEEMERS] if isinstance(result, Redemption)]
    assert len(redeemed) <= 2
    assert db.session.get(Reward, reward_id).stock == 2 - len(redeemed)
    assert seats_taken(event_id) == CAPACITY == seats_held_by_rsvps(event_id)
    assert sum(points_balance(db.session, owner_id) for owner_id in redeemer_ids) == COST * (
        REDEEMERS - len(redeemed)
    )


def test_redemptions_alone_take_exactly_the_seats_left(
    app, make_owner, make_event, make_reward, give_points, rsvp_as
):
    event = make_event("Launch night", capacity=CAPACITY)
    for _ in range(CAPACITY - SEATS_LEFT):
        rsvp_as(make_owner(), event)
    reward_id = make_reward(name="VIP seat", points_cost=COST, stock=20, event_id=event.id).id
    owners = [make_owner() for _ in range(REDEEMERS)]
    for owner in owners:
        give_points(owner, COST)
    owner_ids = [owner.id for owner in owners]
    event_id = event.id
    results = run_at_once(app, REDEEMERS, lambda i: redeem_seat(owner_ids[i], reward_id))
    assert sum(isinstance(result, Redemption) for result in results) == SEATS_LEFT
    refused = [str(result) for result in results if not isinstance(result, Redemption)]
    assert all("Launch night is full" in message for message in refused)
    assert seats_taken(event_id) == CAPACITY == seats_held_by_rsvps(event_id)
    assert db.session.get(Reward, reward_id).stock == 20 - SEATS_LEFT
    balances = sorted(points_balance(db.session, owner_id) for owner_id in owner_ids)
    assert balances == [0] * SEATS_LEFT + [COST] * (REDEEMERS - SEATS_LEFT)


def _naive_take_seats(racers: Rendezvous):
    """Check, then write what was read: the race the conditional UPDATE closes."""

    def take_seats(session, event_id, seats):
        taken, capacity = session.execute(
            select(Event.seats_taken, Event.capacity).where(Event.id == event_id)
        ).one()
        racers.meet()
        if taken + seats > capacity:
            return False
        session.execute(update(Event).where(Event.id == event_id).values(seats_taken=taken + seats))
        return True

    return take_seats


def test_control_without_the_conditional_update_reward_seats_overbook(
    app, make_owner, make_event, make_reward, give_points, monkeypatch
):
    if db.engine.dialect.name == "postgresql":
        pytest.skip(
            "On PostgreSQL the stock's conditional UPDATE locks the reward's row until commit, "
            "so seat redemptions of one reward queue there already; the race needs SQLite."
        )
    # Capacity is checked against the count read before anyone writes: with the check
    # constraint as the last line of defence, the control shows more redemptions than
    # seats succeeding (their writes overwrite each other's count).
    event = make_event("Launch night", capacity=CAPACITY, seats_taken=CAPACITY - SEATS_LEFT)
    reward_id = make_reward(name="VIP seat", points_cost=COST, stock=20, event_id=event.id).id
    owners = [make_owner() for _ in range(REDEEMERS)]
    for owner in owners:
        give_points(owner, COST)
    owner_ids = [owner.id for owner in owners]
    monkeypatch.setattr(reward_seats, "take_seats", _naive_take_seats(Rendezvous(SEATS_LEFT + 1)))
    monkeypatch.setattr(reward_seats, "lock_event", lambda session, event_id: None)
    with sqlite_without_begin_immediate():
        results = run_at_once(app, REDEEMERS, lambda i: redeem_seat(owner_ids[i], reward_id))
    assert sum(isinstance(result, Redemption) for result in results) > SEATS_LEFT
