"""Booking rules, called as services: places, priority, the held share, moving, cancelling."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.servicelane import capacity, services
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceSlot
from portal.servicelane.queries import owner_openings
from tests.servicelane.conftest import MONDAY, TOMORROW

#: Thursday 10 December: its held share is released at Tuesday 8 December, 00:00 EST (48 h
#: before the day begins at midnight in New York, 05:00 UTC).
THURSDAY = date(2026, 12, 10)
#: Far enough from Monday 10:00 AM for the owner to change (their cut-off is 24 hours before).
WEDNESDAY = date(2026, 12, 9)
RELEASE = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)


def _booked(day: date, hour: int = 8) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(ServiceSlot.booked).where(
            ServiceSlot.day == day, ServiceSlot.starts_at == time(hour)
        )
    )


def _owner_with_car(make_owner, make_vehicle, **overrides):
    owner = make_owner(**overrides)
    return owner, make_vehicle(owner)


def test_a_booking_takes_a_place_and_queues_its_confirmation(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3)
    owner, car = _owner_with_car(make_owner, make_vehicle, name="Sam Okafor")
    booking = book_as(owner, car, TOMORROW)
    assert booking.status == BookingStatus.BOOKED
    assert _booked(TOMORROW) == 1
    message = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert message.kind == "service_booking"
    assert "Hello Sam" in message.body and "Tue 8 Dec 2026, 8:00 AM to 10:00 AM EST" in message.body
    assert message.action_path == f"/service/bookings/{booking.id}"


def test_a_full_window_refuses_the_next_booking(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=1)
    book_as(*_owner_with_car(make_owner, make_vehicle), TOMORROW)
    with pytest.raises(ServiceError, match="just been taken"):
        book_as(*_owner_with_car(make_owner, make_vehicle), TOMORROW)
    db.session.rollback()
    assert _booked(TOMORROW) == 1


def test_one_car_holds_one_booking_at_a_time(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3)
    owner, car = _owner_with_car(make_owner, make_vehicle)
    book_as(owner, car, TOMORROW)
    with pytest.raises(ServiceError, match="already booked"):
        book_as(owner, car, TOMORROW + timedelta(days=1))


def test_an_ambassador_books_a_slot_a_member_cannot_yet_see(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3)
    member, member_car = _owner_with_car(make_owner, make_vehicle)
    ambassador, ambassador_car = _owner_with_car(
        make_owner, make_vehicle, tier_level=AMBASSADOR_LEVEL
    )
    # 14 days for members, 7 more for ambassadors: Monday 28 December is day 21.
    far = MONDAY.date() + timedelta(days=21)
    member_days = {found.day for found in owner_openings(db.session, member, MONDAY.date(), MONDAY)}
    ambassador_days = {
        found.day for found in owner_openings(db.session, ambassador, MONDAY.date(), MONDAY)
    }
    assert max(member_days) == MONDAY.date() + timedelta(days=14)
    assert far in ambassador_days and far not in member_days
    with pytest.raises(ServiceError, match="not open for booking yet"):
        book_as(member, member_car, far)
    db.session.rollback()
    assert book_as(ambassador, ambassador_car, far).slot.day == far


def test_the_held_share_is_kept_for_ambassadors_then_released_at_the_cut_off(
    make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=5)  # 20% of 5: one place kept for ambassadors
    with clock.frozen(MONDAY):
        for _ in range(4):
            book_as(*_owner_with_car(make_owner, make_vehicle), THURSDAY)
        late_member = _owner_with_car(make_owner, make_vehicle)
        with pytest.raises(ServiceError, match="just been taken"):
            book_as(*late_member, THURSDAY)
        db.session.rollback()
    with clock.frozen(RELEASE - timedelta(seconds=1)):
        with pytest.raises(ServiceError):
            book_as(*late_member, THURSDAY)
        db.session.rollback()
    with clock.frozen(RELEASE):
        assert book_as(*late_member, THURSDAY).slot.day == THURSDAY
    assert _booked(THURSDAY) == 5


def test_an_ambassador_takes_the_held_place_a_member_could_not(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=5)
    for _ in range(4):
        book_as(*_owner_with_car(make_owner, make_vehicle), THURSDAY)
    ambassador = _owner_with_car(make_owner, make_vehicle, tier_level=AMBASSADOR_LEVEL)
    book_as(*ambassador, THURSDAY)
    assert _booked(THURSDAY) == 5


def test_moving_gives_the_old_place_back_and_takes_the_new(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=2)
    owner, car = _owner_with_car(make_owner, make_vehicle)
    booking = book_as(owner, car, WEDNESDAY)
    services.move(db.session, booking, day=THURSDAY, starts_at=time(8), now=clock.now())
    db.session.commit()
    assert (_booked(WEDNESDAY), _booked(THURSDAY)) == (0, 1)
    assert db.session.get(ServiceBooking, booking.id).sequence == 1


def test_a_move_into_a_full_window_keeps_the_booking_where_it_was(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=1)
    owner, car = _owner_with_car(make_owner, make_vehicle)
    booking = book_as(owner, car, WEDNESDAY)
    book_as(*_owner_with_car(make_owner, make_vehicle), THURSDAY)
    with pytest.raises(ServiceError, match="just been taken"):
        services.move(db.session, booking, day=THURSDAY, starts_at=time(8), now=clock.now())
    db.session.rollback()
    assert (_booked(WEDNESDAY), _booked(THURSDAY)) == (1, 1)
    assert db.session.get(ServiceBooking, booking.id).slot.day == WEDNESDAY


def test_owners_cannot_change_a_booking_after_the_cut_off_but_staff_can(
    make_window, make_owner, make_vehicle, book_as, coordinator
):
    make_window(capacity=2)
    with clock.frozen(MONDAY):
        booking = book_as(*_owner_with_car(make_owner, make_vehicle), WEDNESDAY)
    # Wednesday 8:00 AM EST is 13:00 UTC; the owner's cut-off is 24 hours before.
    with clock.frozen(datetime(2026, 12, 8, 13, 0, tzinfo=UTC)):
        with pytest.raises(ServiceError, match="call the service team"):
            services.cancel(db.session, booking, now=clock.now())
        db.session.rollback()
        services.cancel(db.session, booking, now=clock.now(), staff=coordinator)
        db.session.commit()
    assert _booked(WEDNESDAY) == 0
    assert db.session.get(ServiceBooking, booking.id).status == BookingStatus.CANCELLED


def test_staff_mark_arrived_then_done_and_no_show_only_from_booked(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=2)
    booking = book_as(*_owner_with_car(make_owner, make_vehicle), TOMORROW)
    services.mark(db.session, booking, BookingStatus.ARRIVED, now=clock.now())
    with pytest.raises(ServiceError):
        services.mark(db.session, booking, BookingStatus.NO_SHOW, now=clock.now())
    services.mark_done(db.session, booking, now=clock.now())
    db.session.commit()
    done = db.session.get(ServiceBooking, booking.id)
    assert done.status == BookingStatus.DONE and done.done_at and done.arrived_at
    assert _booked(TOMORROW) == 1  # the place stays used: the car came


def test_a_closed_day_and_an_exception_change_what_owners_see(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3)
    capacity.save_closure(
        db.session, day=TOMORROW, capacity=None, note="Training", today=MONDAY.date()
    )
    capacity.save_closure(db.session, day=THURSDAY, capacity=1, note="", today=MONDAY.date())
    db.session.commit()
    owner, car = _owner_with_car(make_owner, make_vehicle)
    days = {found.day: found for found in owner_openings(db.session, owner, MONDAY.date(), MONDAY)}
    assert TOMORROW not in days
    assert [o.capacity for o in days[THURSDAY].openings] == [1]
    with pytest.raises(ServiceError, match="not one of the lane's slots"):
        book_as(owner, car, TOMORROW)


def test_a_smaller_window_never_drops_below_what_is_booked(
    monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3, weekdays=[TOMORROW.weekday()])
    for _ in range(2):
        book_as(*_owner_with_car(make_owner, make_vehicle), TOMORROW)
    from portal.servicelane.models import ServiceWindow

    window = db.session.scalar(select(ServiceWindow))
    capacity.set_window_capacity(db.session, window, 1, MONDAY.date())
    db.session.commit()
    slot = db.session.scalar(select(ServiceSlot).where(ServiceSlot.day == TOMORROW))
    assert (slot.capacity, slot.booked) == (2, 2)
    assert db.session.scalar(select(func.count()).select_from(ServiceBooking)) == 2


def test_the_confirmation_is_stamped_with_the_time_the_booking_was_made(
    monday, make_window, make_owner, make_vehicle, app
):
    make_window(capacity=3)
    owner, car = _owner_with_car(make_owner, make_vehicle)
    made_at = MONDAY + timedelta(minutes=30)  # the request's time, not the clock's
    with app.test_request_context():
        booking = services.book(
            db.session,
            owner=owner,
            vehicle=car,
            day=TOMORROW,
            starts_at=time(8),
            work=services.Work("service", "Service due"),
            handover="wait",
            note="",
            now=made_at,
        )
        db.session.commit()
    message = db.session.scalar(
        select(Notification).where(Notification.key == f"servicelane:{booking.id}:booked:0")
    )
    assert message.created_at == made_at
