"""Visitors confirming at once: capacity holds and one email keeps one RSVP (both databases)."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.events.guest_mail import CONFIRM_PURPOSE
from portal.events.models import Audience, Event, Rsvp, RsvpStatus
from portal.extensions import db
from portal.security import sign

pytestmark = pytest.mark.slow

SEATS = 5
RACERS = 20


@pytest.fixture
def app_config(app_config):
    """Twenty confirmations from one address would trip the rate limit; not under test here."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def _confirm_paths(app, event_id: int, emails: list[str]) -> list[str]:
    with app.test_request_context():
        return [
            "/events/visit/confirm/"
            + sign(CONFIRM_PURPOSE, {"e": event_id, "n": "Visitor", "m": email, "g": 0})
            for email in emails
        ]


def _ready_sessions(live_session, paths):
    """One browser-like session per path, each holding the CSRF token its page gave."""

    def open_page(path):
        session = live_session()
        status, html = session.request(path)
        assert status == 200, status
        session.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return session, path

    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(open_page, paths))


def _all_at_once(ready):
    barrier = threading.Barrier(len(ready))

    def run(item):
        session, path = item
        barrier.wait()
        return session.post(path)[0]

    with ThreadPoolExecutor(max_workers=len(ready)) as pool:
        return list(pool.map(run, ready))


def _counts(event_id):
    db.session.expire_all()
    by_status = dict(
        db.session.execute(
            select(Rsvp.status, func.count()).where(Rsvp.event_id == event_id).group_by(Rsvp.status)
        ).all()
    )
    seats_taken = db.session.scalar(select(Event.seats_taken).where(Event.id == event_id))
    db.session.commit()
    return by_status, seats_taken


def test_twenty_visitors_confirming_at_once_fill_exactly_the_free_seats(
    app, make_event, live_session
):
    event_id = make_event(audience=Audience.PUBLIC, capacity=SEATS).id
    paths = _confirm_paths(app, event_id, [f"visitor{n}@example.org" for n in range(RACERS)])
    db.session.commit()  # SQLite: hold no write lock while the server works
    statuses = _all_at_once(_ready_sessions(live_session, paths))
    assert set(statuses) == {303}
    by_status, seats_taken = _counts(event_id)
    assert seats_taken == SEATS == by_status[RsvpStatus.CONFIRMED]
    assert by_status[RsvpStatus.WAITLISTED] == RACERS - SEATS


def test_one_link_confirmed_from_many_tabs_at_once_is_one_rsvp_and_one_seat(
    app, make_event, live_session
):
    event_id = make_event(audience=Audience.PUBLIC, capacity=SEATS).id
    [path] = _confirm_paths(app, event_id, ["same@example.org"])
    db.session.commit()
    statuses = _all_at_once(_ready_sessions(live_session, [path] * 8))
    assert set(statuses) == {303}
    by_status, seats_taken = _counts(event_id)
    assert by_status == {RsvpStatus.CONFIRMED: 1} and seats_taken == 1
