"""A reward seat's receipt: to the owner who redeemed, once, saying the event, when (in the
dealership's zone), where, where the ticket is, and linking to the event's page."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.rewards import services

NOW = datetime(2026, 6, 1, 15, 30, tzinfo=UTC)
#: 9 PM in New York on Thursday 11 June is already Friday 12 June in UTC.
STARTS = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)
TOLD = NOW + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _redeem_seat(owner, reward):
    redemption = services.redeem(
        db.session,
        user=db.session.get(User, owner.id),
        reward_id=reward.id,
        now=NOW,
        secret_key=current_app.config["SECRET_KEY"],
    )
    db.session.flush()
    return redemption


def _tell(redemption, path="/events/1", tz="America/New_York", now=TOLD) -> list[int]:
    return services.tell_owner_of_seat(db.session, redemption, event_path=path, tz=tz, now=now)


def _messages() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


@pytest.fixture
def launch(make_owner, make_event, make_reward, give_points):
    """Olivia redeems the VIP seat at the launch night (in the showroom)."""
    olivia = make_owner(name="Olivia Owner")
    give_points(olivia, 1_000)
    event = make_event("Launch night", starts_at=STARTS, location="The showroom, 1 Main Street")
    reward = make_reward("Champagne welcome", points_cost=400, stock=5, event_id=event.id)
    return olivia, event, reward


def test_the_receipt_says_the_event_when_where_and_where_the_ticket_is(launch):
    olivia, event, reward = launch
    redemption = _redeem_seat(olivia, reward)
    ids = _tell(redemption, path=f"/events/{event.id}")
    db.session.commit()
    [message] = _messages()
    assert ids == [message.id]
    assert message.user_id == olivia.id
    assert message.key == f"redemption:{redemption.id}:seat"
    assert message.kind == "reward"
    assert message.subject == "Your VIP seat at Launch night"
    assert message.body == (
        "Hello Olivia,\n\n"
        "Your VIP seat at Launch night is reserved, with your Champagne welcome. "
        "It's on Thursday 11 June 2026, 9:00 PM to 11:00 PM EDT, "
        "at The showroom, 1 Main Street.\n\n"
        "Your ticket is on the event's page: the team scans it at the door.\n\n"
        "If you can't come after all, please let the team know: they'll free your seat for "
        "someone on the waitlist and return your points."
    )
    assert (message.action_path, message.action_label) == (f"/events/{event.id}", "See your ticket")
    assert message.created_at == TOLD


def test_the_time_is_told_in_the_zone_it_is_given(launch):
    olivia, _, reward = launch
    _tell(_redeem_seat(olivia, reward), tz="UTC")
    db.session.commit()
    [message] = _messages()
    assert "It's on Friday 12 June 2026, 1:00 AM to 3:00 AM UTC, at The showroom" in message.body


def test_a_double_submit_queues_the_receipt_once(launch):
    olivia, _, reward = launch
    redemption = _redeem_seat(olivia, reward)
    first = _tell(redemption)
    db.session.commit()
    again = _tell(redemption, now=TOLD + timedelta(seconds=1))
    db.session.commit()
    assert len(first) == 1
    assert again == []
    [message] = _messages()
    assert message.created_at == TOLD


def test_each_owner_hears_of_their_own_seat_and_nobody_else_is_told(
    launch, make_owner, make_event, make_reward, give_points
):
    olivia, event, reward = launch
    sam = make_owner(name="Sam Smith")
    bystander = make_owner(name="Bea Bystander")
    for owner in (sam, bystander):
        give_points(owner, 1_000)
    track = make_event("Track day", starts_at=STARTS + timedelta(days=1), location="The circuit")
    pit_lane = make_reward("Pit lane walk", points_cost=300, stock=5, event_id=track.id)
    hers = _redeem_seat(olivia, reward)
    his = _redeem_seat(sam, pit_lane)
    _tell(hers, path=f"/events/{event.id}")
    _tell(his, path=f"/events/{track.id}")
    db.session.commit()
    told = {message.user_id: message for message in _messages()}
    assert set(told) == {olivia.id, sam.id}
    assert told[olivia.id].key == f"redemption:{hers.id}:seat"
    assert told[sam.id].key == f"redemption:{his.id}:seat"
    assert told[sam.id].subject == "Your VIP seat at Track day"
    assert told[sam.id].body.startswith(
        "Hello Sam,\n\nYour VIP seat at Track day is reserved, with your Pit lane walk. "
        "It's on Friday 12 June 2026, 9:00 PM to 11:00 PM EDT, at The circuit."
    )
    assert told[sam.id].action_path == f"/events/{track.id}"
    assert told[olivia.id].subject == "Your VIP seat at Launch night"
    assert told[olivia.id].action_path == f"/events/{event.id}"
