"""Booking at the edges: the last place, the held share, each horizon and each cut-off.

Every limit is tried on both sides: the last moment or place that is allowed, and the first
that is not.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.errors import ServiceError
from portal.extensions import db
from portal.servicelane import capacity, services
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceSlot
from tests.servicelane.conftest import MONDAY, TOMORROW

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)
#: Thursday's held share is released 48 hours before its midnight in New York.
RELEASE = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
#: Wednesday's 8:00 AM slot begins at 13:00 UTC; owners can change it until 24 hours before.
WEDNESDAY_CUT_OFF = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def booked(day: date, hour: int = 8) -> int:
    """Places taken in the slot, as the database has it (0 when no row was made yet)."""
    db.session.expire_all()
    return (
        db.session.scalar(
            select(ServiceSlot.booked).where(
                ServiceSlot.day == day, ServiceSlot.starts_at == time(hour)
            )
        )
        or 0
    )


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(ServiceBooking))


@pytest.fixture
def car_of(make_owner, make_vehicle):
    """`car_of(**owner_overrides)`: (a new owner, their car)."""

    def make(**overrides):
        owner = make_owner(**overrides)
        return owner, make_vehicle(owner)

    return make


def refused(book, *args, match: str, field: str | None, **kwargs) -> None:
    """The booking is refused, the message shown next to `field`, and nothing is left behind."""
    before = bookings()
    with pytest.raises(ServiceError, match=match) as refusal:
        book(*args, **kwargs)
    db.session.rollback()
    assert refusal.value.field == field
    assert bookings() == before


def set_lane(**values) -> None:
    capacity.save_lane_settings(db.session, {f"servicelane.{k}": v for k, v in values.items()})
    db.session.commit()


# --- Places ------------------------------------------------------------------------------


def test_the_last_place_is_taken_and_the_one_after_it_refused(monday, make_window, car_of, book_as):
    make_window(capacity=3)
    for _ in range(2):
        book_as(*car_of(), TOMORROW)
    assert booked(TOMORROW) == 2  # capacity - 1: one place left
    book_as(*car_of(), TOMORROW)
    assert booked(TOMORROW) == 3
    refused(book_as, *car_of(), TOMORROW, match="just been taken", field="slot")
    refused(
        book_as,
        *car_of(tier_level=AMBASSADOR_LEVEL),
        TOMORROW,
        match="just been taken",
        field="slot",
    )
    assert booked(TOMORROW) == 3


def test_while_the_share_is_held_members_stop_at_capacity_less_it_and_ambassadors_at_capacity(
    monday, make_window, car_of, book_as, coordinator
):
    make_window(capacity=6)  # 20% of 6 is 1.2: one place held on Thursday until RELEASE
    for _ in range(4):
        book_as(*car_of(), THURSDAY)
    book_as(*car_of(), THURSDAY)  # capacity - held - 1 booked: the members' last place
    assert booked(THURSDAY) == 5
    refused(book_as, *car_of(), THURSDAY, match="just been taken", field="slot")
    book_as(*car_of(tier_level=AMBASSADOR_LEVEL), THURSDAY)
    assert booked(THURSDAY) == 6
    refused(
        book_as,
        *car_of(tier_level=AMBASSADOR_LEVEL),
        THURSDAY,
        match="just been taken",
        field="slot",
    )
    refused(book_as, *car_of(), THURSDAY, staff=coordinator, match="just been taken", field="slot")


def test_staff_may_book_a_member_into_the_held_share(
    monday, make_window, car_of, book_as, coordinator
):
    make_window(capacity=5)
    for _ in range(4):
        book_as(*car_of(), THURSDAY)
    refused(book_as, *car_of(), THURSDAY, match="just been taken", field="slot")
    member, car = car_of()
    booking = book_as(member, car, THURSDAY, staff=coordinator)
    assert booked(THURSDAY) == 5
    assert db.session.get(ServiceBooking, booking.id).booked_by_id == coordinator.id


@pytest.mark.parametrize(
    ("window", "share", "members_places"),
    [
        (5, 10, 4),  # 0.5 of a place rounds up: one held
        (7, 7, 7),  # 0.49 rounds down: nothing held
        (3, 83, 1),  # 2.49 rounds down: two held, not three
        (10, 25, 7),  # 2.5 rounds up: three held
        (5, 0, 5),  # no share at all
    ],
)
def test_the_held_share_is_rounded_half_up_where_places_are_taken(
    monday, make_window, car_of, book_as, window, share, members_places
):
    make_window(capacity=window)
    set_lane(priority_share_percent=share)
    for _ in range(members_places):
        book_as(*car_of(), THURSDAY)
    refused(book_as, *car_of(), THURSDAY, match="just been taken", field="slot")
    assert booked(THURSDAY) == members_places


def test_a_member_takes_the_released_share_from_exactly_the_release(make_window, car_of, book_as):
    make_window(capacity=5)
    with clock.frozen(MONDAY):
        for _ in range(4):
            book_as(*car_of(), THURSDAY)
    member = car_of()
    with clock.frozen(RELEASE - SECOND):
        refused(book_as, *member, THURSDAY, match="just been taken", field="slot")
    with clock.frozen(RELEASE):
        book_as(*member, THURSDAY)
    assert booked(THURSDAY) == 5


def test_giving_back_a_place_stops_at_an_empty_slot(monday, make_window, car_of, book_as):
    make_window(capacity=2)
    booking = book_as(*car_of(), TOMORROW)
    services.release_place(db.session, booking.slot_id)
    services.release_place(db.session, booking.slot_id)
    db.session.commit()
    assert booked(TOMORROW) == 0


# --- Which days ----------------------------------------------------------------------------


def test_members_book_up_to_the_horizon_and_ambassadors_a_week_further(
    monday, make_window, car_of, book_as
):
    make_window(capacity=3)
    today = MONDAY.date()
    book_as(*car_of(), today + timedelta(days=14))
    refused(
        book_as,
        *car_of(),
        today + timedelta(days=15),
        match="not open for booking yet",
        field="slot",
    )
    book_as(*car_of(tier_level=AMBASSADOR_LEVEL), today + timedelta(days=21))
    refused(
        book_as,
        *car_of(tier_level=AMBASSADOR_LEVEL),
        today + timedelta(days=22),
        match="not open for booking yet",
        field="slot",
    )


def test_staff_book_up_to_a_year_and_a_day_ahead(monday, make_window, car_of, book_as, coordinator):
    make_window(capacity=3)
    today = MONDAY.date()
    booking = book_as(*car_of(), today + timedelta(days=366), staff=coordinator)
    assert booking.slot.day == today + timedelta(days=366)
    refused(
        book_as,
        *car_of(),
        today + timedelta(days=367),
        staff=coordinator,
        match="not open for booking yet",
        field="slot",
    )


def test_owners_book_from_tomorrow_and_staff_from_today_until_the_slot_begins(
    make_window, car_of, book_as, coordinator
):
    make_window(capacity=3, start=11, end=12)  # Monday 11:00 AM EST is 16:00 UTC
    today, starts = MONDAY.date(), datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    with clock.frozen(MONDAY):
        refused(book_as, *car_of(), today, hour=11, match="not open for booking yet", field="slot")
        book_as(*car_of(), TOMORROW, hour=11)
    with clock.frozen(starts - SECOND):
        book_as(*car_of(), today, hour=11, staff=coordinator)
    with clock.frozen(starts):
        refused(
            book_as,
            *car_of(),
            today,
            hour=11,
            staff=coordinator,
            match="not one of the lane's",
            field="slot",
        )
    assert booked(today, 11) == 1


def test_the_days_turn_at_the_dealerships_midnight_not_at_utcs(make_window, car_of, book_as):
    make_window(capacity=3)
    # Tuesday 02:00 UTC is still Monday 9:00 PM in New York: Tuesday is tomorrow.
    with clock.frozen(datetime(2026, 12, 8, 2, 0, tzinfo=UTC)):
        book_as(*car_of(), TOMORROW)
        book_as(*car_of(), MONDAY.date() + timedelta(days=14))
        refused(
            book_as, *car_of(), MONDAY.date() + timedelta(days=15), match="not open", field="slot"
        )
    assert booked(TOMORROW) == 1


def test_a_time_the_lane_does_not_offer_is_refused(monday, make_window, car_of, book_as):
    make_window(capacity=3)
    refused(book_as, *car_of(), TOMORROW, hour=9, match="not one of the lane's slots", field="slot")
    assert booked(TOMORROW, 9) == 0


# --- What is booked ------------------------------------------------------------------------


def test_a_booking_keeps_the_work_the_handover_the_note_and_who_booked_it(
    monday, make_window, car_of, app, coordinator
):
    make_window(capacity=3)
    owner, car = car_of()
    with app.test_request_context():
        booking = services.book(
            db.session,
            owner=owner,
            vehicle=car,
            day=TOMORROW,
            starts_at=time(8),
            work=services.Work("recall", "Recall 24V-101", "recall:24V-101"),
            handover="drop_off",
            note="  A rattle at speed  ",
            now=clock.now(),
            staff=coordinator,
        )
        db.session.commit()
    db.session.expire_all()
    row = db.session.get(ServiceBooking, booking.id)
    assert (row.user_id, row.vehicle_id, row.status) == (owner.id, car.id, BookingStatus.BOOKED)
    assert (row.work_kind, row.work_label, row.reminder_key) == (
        "recall",
        "Recall 24V-101",
        "recall:24V-101",
    )
    assert (row.handover, row.note, row.booked_by_id) == (
        "drop_off",
        "A rattle at speed",
        coordinator.id,
    )
    assert (row.slot.day, row.slot.starts_at, row.slot.ends_at) == (TOMORROW, time(8), time(10))
    assert (row.slot.capacity, row.slot.booked, row.sequence) == (3, 1, 0)


def test_an_owner_books_only_their_own_car_still_in_their_garage(
    monday, make_window, car_of, book_as
):
    make_window(capacity=3)
    owner, car = car_of()
    _other, their_car = car_of()
    refused(book_as, owner, their_car, TOMORROW, match="Choose one of your cars", field="vehicle")
    car.retired_at = MONDAY
    db.session.commit()
    refused(book_as, owner, car, TOMORROW, match="Choose one of your cars", field="vehicle")
    assert booked(TOMORROW) == 0


def test_a_handover_must_be_one_the_lane_offers_and_something_else_needs_words(
    monday, make_window, car_of, app
):
    make_window(capacity=3)
    owner, car = car_of()

    def book(handover="wait", kind="service", note=""):
        with app.test_request_context():
            services.book(
                db.session,
                owner=owner,
                vehicle=car,
                day=TOMORROW,
                starts_at=time(8),
                work=services.Work(kind, "Something else"),
                handover=handover,
                note=note,
                now=clock.now(),
            )

    refused(book, handover="valet", match="while we work on the car", field="handover")
    refused(book, kind="other", note="   ", match="what the car needs", field="note")
    book(kind="other", note="A rattle")
    db.session.commit()
    assert booked(TOMORROW) == 1


# --- Cut-offs ------------------------------------------------------------------------------


@pytest.fixture
def wednesday_booking(make_window, car_of, book_as):
    """An owner's Wednesday 8:00 AM booking, made on Monday; the lane takes 2 a window."""
    make_window(capacity=2)
    with clock.frozen(MONDAY):
        return book_as(*car_of(), WEDNESDAY)


def test_an_owner_moves_until_the_cut_off_and_not_from_it(wednesday_booking):
    with clock.frozen(WEDNESDAY_CUT_OFF):
        with pytest.raises(ServiceError, match="less than 24 hours"):
            services.move(
                db.session, wednesday_booking, day=THURSDAY, starts_at=time(8), now=clock.now()
            )
        db.session.rollback()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (1, 0)
    with clock.frozen(WEDNESDAY_CUT_OFF - SECOND):
        services.move(
            db.session, wednesday_booking, day=THURSDAY, starts_at=time(8), now=clock.now()
        )
        db.session.commit()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (0, 1)


def test_an_owner_cancels_until_the_cut_off(wednesday_booking):
    with clock.frozen(WEDNESDAY_CUT_OFF - SECOND):
        services.cancel(db.session, wednesday_booking, now=clock.now())
        db.session.commit()
    assert booked(WEDNESDAY) == 0


def test_a_shorter_cut_off_lets_owners_change_later(wednesday_booking):
    set_lane(change_cutoff_hours=2)
    with clock.frozen(WEDNESDAY_CUT_OFF + timedelta(hours=22) - SECOND):
        services.cancel(db.session, wednesday_booking, now=clock.now())
        db.session.commit()
    assert booked(WEDNESDAY) == 0


def test_staff_move_a_booking_after_the_owners_cut_off(wednesday_booking, coordinator):
    with clock.frozen(WEDNESDAY_CUT_OFF + timedelta(hours=1)):
        services.move(
            db.session,
            wednesday_booking,
            day=THURSDAY,
            starts_at=time(8),
            now=clock.now(),
            staff=coordinator,
        )
        db.session.commit()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (0, 1)


# --- Moving into the held share ------------------------------------------------------------


@pytest.fixture
def thursday_held_only(make_window, car_of, book_as):
    """Thursday's window of 5 has only its held place left (4 members booked on Monday)."""
    make_window(capacity=5)
    with clock.frozen(MONDAY):
        for _ in range(4):
            book_as(*car_of(), THURSDAY)


def _move_to_thursday(booking, staff=None):
    return services.move(
        db.session, booking, day=THURSDAY, starts_at=time(8), now=clock.now(), staff=staff
    )


def test_a_member_cannot_move_into_the_held_share_until_it_is_released(
    thursday_held_only, car_of, book_as
):
    with clock.frozen(MONDAY):
        booking = book_as(*car_of(), WEDNESDAY)
    with clock.frozen(RELEASE - SECOND):
        with pytest.raises(ServiceError, match="just been taken"):
            _move_to_thursday(booking)
        db.session.rollback()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (1, 4)
    with clock.frozen(RELEASE):
        _move_to_thursday(booking)
        db.session.commit()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (0, 5)


def test_an_ambassador_moves_into_the_held_share(thursday_held_only, car_of, book_as):
    with clock.frozen(MONDAY):
        booking = book_as(*car_of(tier_level=AMBASSADOR_LEVEL), WEDNESDAY)
        _move_to_thursday(booking)
        db.session.commit()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (0, 5)


def test_staff_move_a_member_into_the_held_share(thursday_held_only, car_of, book_as, coordinator):
    with clock.frozen(MONDAY):
        booking = book_as(*car_of(), WEDNESDAY)
        _move_to_thursday(booking, staff=coordinator)
        db.session.commit()
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (0, 5)


# --- Where a booking may move ------------------------------------------------------------


def _move(booking, day, hour=8, staff=None):
    return services.move(
        db.session, booking, day=day, starts_at=time(hour), now=clock.now(), staff=staff
    )


def test_a_move_keeps_to_the_horizon_of_whoever_moves_it(
    monday, make_window, car_of, book_as, coordinator
):
    make_window(capacity=3)
    today = MONDAY.date()
    member = book_as(*car_of(), WEDNESDAY)
    refused(_move, member, today + timedelta(days=15), match="not open", field="slot")
    _move(member, today + timedelta(days=14))
    ambassador = book_as(*car_of(tier_level=AMBASSADOR_LEVEL), WEDNESDAY)
    refused(_move, ambassador, today + timedelta(days=22), match="not open", field="slot")
    _move(ambassador, today + timedelta(days=21))
    other = book_as(*car_of(), WEDNESDAY)
    _move(other, today + timedelta(days=40), staff=coordinator)
    db.session.commit()
    assert booked(today + timedelta(days=14)) == 1
    assert booked(today + timedelta(days=21)) == 1
    assert booked(today + timedelta(days=40)) == 1
    assert booked(WEDNESDAY) == 0


def test_staff_move_a_booking_to_later_today_and_owners_cannot(
    make_window, car_of, book_as, coordinator
):
    make_window(capacity=3, start=11, end=12)
    with clock.frozen(MONDAY):
        booking = book_as(*car_of(), WEDNESDAY, hour=11)
        refused(_move, booking, MONDAY.date(), hour=11, match="not open", field="slot")
        _move(booking, MONDAY.date(), hour=11, staff=coordinator)
        db.session.commit()
    assert (booked(WEDNESDAY, 11), booked(MONDAY.date(), 11)) == (0, 1)


def test_a_refused_move_says_so_next_to_the_times(monday, make_window, car_of, book_as):
    make_window(capacity=1)
    booking = book_as(*car_of(), WEDNESDAY)
    book_as(*car_of(), THURSDAY)
    refused(_move, booking, WEDNESDAY, match="the time you already have", field="slot")
    refused(_move, booking, THURSDAY, match="just been taken", field="slot")
    assert (booked(WEDNESDAY), booked(THURSDAY)) == (1, 1)


def test_the_cut_off_and_a_car_already_booked_are_said_above_the_form_and_next_to_the_times(
    wednesday_booking, make_vehicle, book_as
):
    with clock.frozen(WEDNESDAY_CUT_OFF):
        refused(_move, wednesday_booking, THURSDAY, match="call the service team", field=None)
        owner, car = wednesday_booking.user, wednesday_booking.vehicle
        refused(book_as, owner, car, THURSDAY, match="already booked in", field="slot")
