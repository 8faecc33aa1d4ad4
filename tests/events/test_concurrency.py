"""Capacity holds under real concurrency: threads against a live server, both databases."""

import pytest
from flask import has_request_context
from sqlalchemy import func, select, update

from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.services import rsvps
from portal.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.rendezvous import Rendezvous, all_at_once, signed_in_sessions

pytestmark = pytest.mark.slow

SEATS_LEFT = 10
RACERS = 50


@pytest.fixture
def app_config(app_config):
    """Fifty sign-ins from one address would trip the login rate limit; not under test here."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def _counts(event_id):
    db.session.expire_all()
    rows = db.session.execute(
        select(Rsvp.status, func.count(), func.sum(1 + Rsvp.guests))
        .where(Rsvp.event_id == event_id)
        .group_by(Rsvp.status)
    )
    by_status = {status: (number, seats) for status, number, seats in rows}
    seats_taken = db.session.scalar(select(Event.seats_taken).where(Event.id == event_id))
    db.session.commit()
    return by_status, seats_taken


def _race_for_last_seats(make_event, make_owner, rsvp_as, live_session):
    event = make_event(capacity=5 + SEATS_LEFT)
    for _ in range(5):
        rsvp_as(make_owner(), event)
    owners = [make_owner() for _ in range(RACERS)]
    path = f"/events/{event.id}/rsvp"
    sessions = signed_in_sessions(live_session, owners, TEST_PASSWORD)
    statuses = all_at_once(
        sessions, lambda session: session.post(path, {"guests": "0"}, htmx=True)[0]
    )
    return event.id, statuses


def test_fifty_owners_racing_for_ten_seats_leave_exactly_ten_confirmed(
    make_event, make_owner, rsvp_as, live_session
):
    event_id, statuses = _race_for_last_seats(make_event, make_owner, rsvp_as, live_session)
    assert all(status == 200 for status in statuses), statuses
    by_status, seats_taken = _counts(event_id)
    assert by_status[RsvpStatus.CONFIRMED] == (5 + SEATS_LEFT, 5 + SEATS_LEFT)
    assert by_status[RsvpStatus.WAITLISTED][0] == RACERS - SEATS_LEFT
    assert seats_taken == 5 + SEATS_LEFT


def _naive_take_seats(racers: Rendezvous):
    """Check, then write what was read: the race the conditional UPDATE closes."""

    def take_seats(session, event_id, seats):
        taken, capacity = session.execute(
            select(Event.seats_taken, Event.capacity).where(Event.id == event_id)
        ).one()
        session.commit()  # as if the check ran in an earlier transaction (or request)
        if has_request_context():  # a racer; the test's own RSVPs before the race come here too
            racers.meet()
        if taken + seats > capacity:
            return False
        session.execute(update(Event).where(Event.id == event_id).values(seats_taken=taken + seats))
        return True

    return take_seats


def test_control_without_the_conditional_update_the_race_overbooks(
    make_event, make_owner, rsvp_as, live_session, monkeypatch
):
    # Two racers read the same count of seats taken before either writes it back.
    monkeypatch.setattr(rsvps, "take_seats", _naive_take_seats(Rendezvous(2)))
    event_id, statuses = _race_for_last_seats(make_event, make_owner, rsvp_as, live_session)
    assert all(status < 500 for status in statuses), statuses
    by_status, _ = _counts(event_id)
    confirmed, _ = by_status[RsvpStatus.CONFIRMED]
    assert confirmed > 5 + SEATS_LEFT, "the control should over-book; the race test proves nothing"


def test_double_submitted_rsvp_makes_one_row(make_event, make_owner, live_session):
    event_id = make_event(capacity=5).id
    owner = make_owner()
    [session] = signed_in_sessions(live_session, [owner], TEST_PASSWORD)
    clicks = [session] * 8
    statuses = all_at_once(
        clicks, lambda s: s.post(f"/events/{event_id}/rsvp", {"guests": "0"}, htmx=True)[0]
    )
    assert all(status == 200 for status in statuses), statuses
    by_status, seats_taken = _counts(event_id)
    assert by_status == {RsvpStatus.CONFIRMED: (1, 1)}
    assert seats_taken == 1


def test_concurrent_cancellations_promote_one_waitlisted_per_freed_seat(
    make_event, make_owner, rsvp_as, live_session
):
    event = make_event(capacity=10)
    holders = [make_owner() for _ in range(10)]
    holder_rsvps = [rsvp_as(owner, event) for owner in holders]
    queue = [rsvp_as(make_owner(), event) for _ in range(8)]
    rsvp_ids = [rsvp.id for rsvp in holder_rsvps[:5]]
    queue_ids = [rsvp.id for rsvp in queue]
    event_id = event.id
    sessions = signed_in_sessions(live_session, holders[:5], TEST_PASSWORD)
    paired = list(zip(sessions, rsvp_ids, strict=True))
    for session, rsvp_id in paired:
        session.rsvp_id = rsvp_id
    statuses = all_at_once(sessions, lambda s: s.post(f"/rsvps/{s.rsvp_id}/cancel", htmx=True)[0])
    assert all(status == 200 for status in statuses), statuses
    by_status, seats_taken = _counts(event_id)
    assert by_status[RsvpStatus.CONFIRMED] == (10, 10)
    assert by_status[RsvpStatus.CANCELLED][0] == 5
    assert by_status[RsvpStatus.WAITLISTED][0] == 3
    assert seats_taken == 10
    promoted = db.session.scalars(
        select(Rsvp.id).where(Rsvp.id.in_(queue_ids), Rsvp.status == RsvpStatus.CONFIRMED)
    ).all()
    assert sorted(promoted) == queue_ids[:5]
