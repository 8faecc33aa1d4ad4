"""Capacity holds under real concurrency: threads against a live server, both databases."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest
from flask import has_request_context, request
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.pool import NullPool

from portal import clock
from portal.extensions import db
from portal.servicelane import services
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceSlot
from tests.conftest import TEST_PASSWORD
from tests.rendezvous import Rendezvous, all_at_once, signed_in_sessions
from tests.servicelane.conftest import TOMORROW

pytestmark = pytest.mark.slow

CAPACITY = 10
RACERS = 40
WEDNESDAY, THURSDAY, FRIDAY = date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11)


@pytest.fixture
def app_config(app_config):
    """Forty sign-ins from one address would trip the login rate limit; not under test here."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def _bookings_in(day: date) -> int:
    db.session.expire_all()
    count = db.session.scalar(
        select(func.count())
        .select_from(ServiceBooking)
        .join(ServiceSlot)
        .where(ServiceSlot.day == day, ServiceBooking.status == BookingStatus.BOOKED)
    )
    db.session.commit()
    return count


def _race_for_the_last_three(make_window, make_owner, make_vehicle, book_as, live_session):
    make_window(capacity=CAPACITY)
    for _ in range(CAPACITY - 3):
        owner = make_owner()
        book_as(owner, make_vehicle(owner), TOMORROW)
    owners = [make_owner() for _ in range(RACERS)]
    car_ids = [make_vehicle(owner).id for owner in owners]
    sessions = signed_in_sessions(live_session, owners, TEST_PASSWORD)
    for session, car_id in zip(sessions, car_ids, strict=True):
        session.car_id = car_id
    form = {"slot": f"{TOMORROW.isoformat()}T08:00", "work": "service", "handover": "wait"}
    return all_at_once(sessions, lambda s: s.post(f"/service/book?car={s.car_id}", form)[0])


def test_forty_owners_racing_for_the_last_three_places_leave_exactly_three_booked(
    monday, make_window, make_owner, make_vehicle, book_as, live_session
):
    statuses = _race_for_the_last_three(
        make_window, make_owner, make_vehicle, book_as, live_session
    )
    assert sorted(statuses) == [303] * 3 + [422] * (RACERS - 3), statuses
    assert _bookings_in(TOMORROW) == CAPACITY
    slot = db.session.scalar(select(ServiceSlot).where(ServiceSlot.day == TOMORROW))
    assert (slot.booked, slot.capacity) == (CAPACITY, CAPACITY)


def _naive_take_place(racers: Rendezvous):
    """Check, then write what was read: the race the conditional UPDATE closes."""

    def take_place(session, slot_id, share_percent):
        booked, capacity = session.execute(
            select(ServiceSlot.booked, ServiceSlot.capacity).where(ServiceSlot.id == slot_id)
        ).one()
        session.commit()  # as if the check ran in an earlier transaction (or request)
        if has_request_context() and request.method == "POST":  # a racer, not the set-up
            racers.meet()
        if booked >= capacity:
            return False
        session.execute(
            update(ServiceSlot).where(ServiceSlot.id == slot_id).values(booked=booked + 1)
        )
        return True

    return take_place


def test_control_without_the_conditional_update_the_race_overbooks(
    monday, make_window, make_owner, make_vehicle, book_as, live_session, monkeypatch
):
    # Two racers read the same count of places taken before either writes it back.
    monkeypatch.setattr(services, "take_place", _naive_take_place(Rendezvous(2)))
    statuses = _race_for_the_last_three(
        make_window, make_owner, make_vehicle, book_as, live_session
    )
    assert all(status < 500 for status in statuses), statuses
    assert _bookings_in(TOMORROW) > CAPACITY, (
        "the control should over-book; the race proves nothing"
    )


def _committed_places(url: str, booking_id: int) -> tuple[int, int]:
    """(places held in all slots, the booking's slot's places) as another connection sees them."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as other:
            held = other.scalar(select(func.sum(ServiceSlot.booked)))
            slot_id = other.scalar(
                select(ServiceBooking.slot_id).where(ServiceBooking.id == booking_id)
            )
            mine = other.scalar(select(ServiceSlot.booked).where(ServiceSlot.id == slot_id))
            return held, mine
    finally:
        engine.dispose()


def test_a_move_holds_one_place_at_every_moment_others_can_see(
    monday, make_window, make_owner, make_vehicle, book_as, monkeypatch
):
    """Stop the move between its two place statements and look from another connection."""
    make_window(capacity=2)
    owner = make_owner()
    booking = book_as(owner, make_vehicle(owner), WEDNESDAY)
    url = db.engine.url.render_as_string(hide_password=False)
    seen = []
    real_release, real_take = services.release_place, services.take_place

    def release_then_look(session, slot_id):
        real_release(session, slot_id)
        seen.append(("released", _committed_places(url, booking.id)))

    def take_then_look(session, slot_id, share):
        won = real_take(session, slot_id, share)
        seen.append(("taken", _committed_places(url, booking.id)))
        return won

    monkeypatch.setattr(services, "release_place", release_then_look)
    monkeypatch.setattr(services, "take_place", take_then_look)
    services.move(db.session, booking, day=THURSDAY, starts_at=time(8), now=clock.now())
    assert [held for _step, held in seen] == [(1, 1), (1, 1)]  # mid-move: the old place only
    db.session.commit()
    assert _committed_places(url, booking.id) == (1, 1)
    moved = db.session.get(ServiceBooking, booking.id)
    assert moved.slot.day == THURSDAY


def test_two_moves_of_one_booking_at_once_leave_it_in_one_place(
    monday, make_window, make_owner, make_vehicle, book_as, live_session
):
    make_window(capacity=2)
    owner = make_owner()
    booking_id = book_as(owner, make_vehicle(owner), WEDNESDAY).id
    [session] = signed_in_sessions(live_session, [owner], TEST_PASSWORD)
    clicks = [(session, THURSDAY), (session, FRIDAY)] * 3
    barrier = threading.Barrier(len(clicks))

    def run(click):
        who, day = click
        barrier.wait()
        form = {"slot": f"{day.isoformat()}T08:00"}
        return who.post(f"/service/bookings/{booking_id}/move", form)[0]

    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        statuses = list(pool.map(run, clicks))
    assert all(status in (303, 422) for status in statuses), statuses
    db.session.expire_all()
    held = db.session.scalar(select(func.sum(ServiceSlot.booked)))
    moved = db.session.get(ServiceBooking, booking_id)
    assert held == 1
    assert moved.slot.booked == 1 and moved.slot.day in (THURSDAY, FRIDAY)
