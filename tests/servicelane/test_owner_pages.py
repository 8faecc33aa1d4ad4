"""Owners' service pages as plain form posts (no JavaScript): book, see, move, cancel."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.extensions import db
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceSlot
from tests.events.ics_checks import events_of, strict_components
from tests.servicelane.conftest import TOMORROW

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)
FORM = {"work": "service", "handover": "courtesy_car", "note": ""}


@pytest.fixture
def sam(monday, make_window, make_owner, make_vehicle, login):
    """Sam, signed in, with his Civic; the lane takes 2 cars from 8 to 10 every day."""
    make_window(capacity=2)
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    car = make_vehicle(owner, nickname="Blue Civic")
    login(owner)
    return owner, car


def _book(client, car, day: date, **extra):
    data = FORM | {"slot": f"{day.isoformat()}T08:00"} | extra
    return client.post(f"/service/book?car={car.id}", data=data)


def test_an_owner_books_with_a_plain_form_and_gets_a_confirmation_with_a_calendar_file(
    client, sam, outbox
):
    owner, car = sam
    page = client.get(f"/service/book?car={car.id}").get_data(as_text=True)
    assert f'value="{WEDNESDAY.isoformat()}T08:00"' in page
    response = _book(client, car, WEDNESDAY)
    assert response.status_code == 303
    booking = db.session.scalar(select(ServiceBooking))
    assert response.headers["Location"] == f"/service/bookings/{booking.id}"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You're booked in" in shown and "8:00 AM EST" in shown
    assert "I&#39;d like a courtesy car" in shown
    [mail] = outbox()
    assert "Blue Civic" in mail["Subject"] and "8:00 AM to 10:00 AM EST" in mail["Subject"]
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    [entry] = events_of(strict_components(ics.get_content().encode()))
    assert entry.value("UID") == f"service-booking-{booking.id}@localhost"
    assert entry.value("DTSTART") == "20261209T130000Z"  # 8:00 AM EST, in UTC


def test_a_refused_booking_says_why_next_to_the_times_and_changes_nothing(client, sam):
    _owner, car = sam
    for slot in ("nonsense", "2026-12-30T08:00", "2026-12-09T09:00", "\x00" * 5):
        response = client.post(f"/service/book?car={car.id}", data=FORM | {"slot": slot})
        assert response.status_code == 422, slot
        assert 'class="error" id="slot-picker-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(ServiceBooking)) is None


def test_something_else_needs_a_note(client, sam):
    _owner, car = sam
    response = _book(client, car, WEDNESDAY, work="other")
    assert response.status_code == 422
    assert "Tell us a little about what the car needs." in response.get_data(as_text=True)
    assert _book(client, car, WEDNESDAY, work="other", note="A rattle").status_code == 303


def test_another_owners_car_and_booking_are_not_found(
    client, sam, make_owner, make_vehicle, book_as
):
    other = make_owner()
    their_car = make_vehicle(other)
    booking = book_as(other, their_car, WEDNESDAY)
    assert client.get(f"/service/book?car={their_car.id}").status_code == 404
    assert client.get(f"/service/book?car={10**30}").status_code == 200  # asks which car
    assert client.get(f"/service/bookings/{booking.id}").status_code == 404
    assert client.post(f"/service/bookings/{booking.id}/cancel").status_code == 404


def test_an_owner_moves_then_cancels_with_plain_form_posts(client, sam):
    _owner, car = sam
    location = _book(client, car, WEDNESDAY).headers["Location"]
    booking_id = int(location.rsplit("/", 1)[1])
    moved = client.post(
        f"/service/bookings/{booking_id}/move", data={"slot": f"{THURSDAY.isoformat()}T08:00"}
    )
    assert moved.status_code == 303
    booking = db.session.get(ServiceBooking, booking_id)
    assert booking.slot.day == THURSDAY
    assert client.post(f"/service/bookings/{booking_id}/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(ServiceBooking, booking_id).status == BookingStatus.CANCELLED
    assert sum(db.session.scalars(select(ServiceSlot.booked))) == 0


def test_within_the_cut_off_the_page_asks_the_owner_to_call(client, sam):
    _owner, car = sam
    location = _book(client, car, TOMORROW).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "please call the service team" in page
    assert "Cancel this visit" not in page


def test_the_booking_appears_in_the_owners_calendar_feed(client, sam):
    _owner, car = sam
    location = _book(client, car, WEDNESDAY).headers["Location"]
    booking_id = location.rsplit("/", 1)[1]
    assert client.post("/calendar/feed").status_code == 303
    html = client.get("/account/profile").get_data(as_text=True)
    path = re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', html).group(1)
    feed = client.get(path)
    uids = [entry.value("UID") for entry in events_of(strict_components(feed.data))]
    assert f"service-booking-{booking_id}@localhost" in uids


def test_the_day_before_the_job_sends_one_reminder(client, sam, runner):
    owner, car = sam
    _book(client, car, WEDNESDAY)
    from portal.notifications.models import Notification

    with clock.frozen(datetime(2026, 12, 8, 15, 0, tzinfo=UTC)):  # Tuesday 10:00 AM
        for _ in range(2):
            assert runner.invoke(args=["notify", "run"]).exit_code == 0
    reminders = db.session.scalars(
        select(Notification).where(Notification.kind == "service_booking_reminder")
    ).all()
    assert len(reminders) == 1
    assert "tomorrow, Wed 9 Dec 2026, 8:00 AM to 10:00 AM EST" in reminders[0].body


def test_the_service_and_rewards_pages_say_what_priority_means(
    client, monday, make_window, make_owner, make_vehicle, login
):
    make_window()
    ambassador = make_owner(tier_level=AMBASSADOR_LEVEL)
    make_vehicle(ambassador)
    login(ambassador)
    sentence = (
        "As an ambassador you can book up to 21 days ahead, 7 days before members, and 20% of "
        "each day&#39;s slots are kept for ambassadors until 48 hours before."
    )
    assert sentence in client.get("/rewards").get_data(as_text=True)
    assert sentence in client.get("/service").get_data(as_text=True)


def test_a_reminder_offers_a_time_to_book(client, sam, add_service):
    _owner, car = sam
    add_service(car, date(2026, 1, 5), miles=5000)
    page = client.get("/reminders").get_data(as_text=True)
    assert f"/service/book?car={car.id}&amp;reminder=" in page
