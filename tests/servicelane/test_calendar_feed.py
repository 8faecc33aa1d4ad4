"""Bookings in the owner's calendar feed: a booking made, moved or cancelled (by the owner or
the service team), or the car renamed, reaches a calendar holding the feed at once."""

from datetime import date, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.servicelane import services
from tests.events.feed_reading import feed_path, read_after_change, uids
from tests.events.ics_checks import events_of, strict_components
from tests.servicelane.conftest import MONDAY

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)
#: When the changes happen.
LATER = MONDAY + timedelta(minutes=10)


@pytest.fixture
def sam(monday, make_window, make_owner, make_vehicle, login, client):
    """Sam, signed in, with his Civic; the lane takes 2 cars from 8 to 10 every day; his
    feed made."""
    make_window(capacity=2)
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    car = make_vehicle(owner, nickname="Blue Civic")
    login(owner)
    return owner, car, feed_path(client)


def _book(client, car, day: date) -> int:
    data = {"work": "service", "handover": "wait", "note": "", "slot": f"{day}T08:00"}
    response = client.post(f"/service/book?car={car.id}", data=data)
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _booking_entry(body: bytes, booking_id: int):
    [entry] = [
        entry
        for entry in events_of(strict_components(body))
        if entry.value("UID") == f"service-booking-{booking_id}@localhost"
    ]
    return entry


def test_a_booking_made_moved_and_cancelled_reaches_the_calendar_each_time(app, client, sam):
    _owner, car, path = sam
    held = client.get(path)
    with clock.frozen(LATER):
        booking_id = _book(client, car, WEDNESDAY)
        booked = read_after_change(app, client, path, held)
    assert _booking_entry(booked, booking_id).value("DTSTART") == "20261209T130000Z"

    held = client.get(path)
    with clock.frozen(LATER + timedelta(minutes=1)):
        move = {"slot": f"{THURSDAY}T08:00"}
        assert client.post(f"/service/bookings/{booking_id}/move", data=move).status_code == 303
        moved = read_after_change(app, client, path, held)
    moved_entry = _booking_entry(moved, booking_id)
    assert moved_entry.value("DTSTART") == "20261210T130000Z"
    assert moved_entry.value("SEQUENCE") == "1"

    held = client.get(path)
    with clock.frozen(LATER + timedelta(minutes=2)):
        assert client.post(f"/service/bookings/{booking_id}/cancel").status_code == 303
        cancelled = read_after_change(app, client, path, held)
    assert _booking_entry(cancelled, booking_id).value("STATUS") == "CANCELLED"


def test_the_service_team_cancelling_the_booking_reaches_the_calendar(
    app, client, sam, book_as, make_coordinator
):
    owner, car, path = sam
    booking = book_as(owner, car, WEDNESDAY)
    held = client.get(path)
    with clock.frozen(LATER), app.test_request_context():
        services.cancel(db.session, booking, now=clock.now(), staff=make_coordinator())
        db.session.commit()
        body = read_after_change(app, client, path, held)
    assert _booking_entry(body, booking.id).value("STATUS") == "CANCELLED"


def test_the_cars_new_name_shows_on_the_booking(app, client, sam, book_as):
    owner, car, path = sam
    booking = book_as(owner, car, WEDNESDAY)
    held = client.get(path)
    with clock.frozen(LATER):
        car.nickname = "Old Faithful"
        db.session.commit()
        body = read_after_change(app, client, path, held)
    assert _booking_entry(body, booking.id).value("SUMMARY") == "Service visit: Old Faithful"
    assert f"service-booking-{booking.id}@localhost" in uids(body)
