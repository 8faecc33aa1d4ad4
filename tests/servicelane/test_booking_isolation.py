"""Every conditional UPDATE of the lane touches its own rows only, and only while they are
as the caller read them.

Each change runs next to a second booking in the same slot, a second slot on the same day and
a slot on another day, all of which must not change; and against a booking another request
changed after it was read, which must be refused without a trace.
"""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, update

from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.servicelane import services
from portal.servicelane.models import (
    BookingStatus,
    Handover,
    ServiceBooking,
    ServiceSlot,
    WorkKind,
)
from tests.servicelane.conftest import MONDAY

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)
#: When the changes under test happen: an hour after the bookings were made.
LATER = MONDAY + timedelta(hours=1)


def slots() -> dict[tuple[date, int], int]:
    """{(day, hour): places taken} for every slot row, as the database has it now."""
    found = db.session.execute(select(ServiceSlot.day, ServiceSlot.starts_at, ServiceSlot.booked))
    return {(day, start.hour): taken for day, start, taken in found}


def rows() -> dict[int, tuple]:
    """{booking id: everything a change may write} for every booking, as the database has it.

    Read with plain statements, so bookings loaded earlier keep what they read.
    """
    found = db.session.execute(
        select(
            ServiceBooking.id,
            ServiceSlot.day,
            ServiceSlot.starts_at,
            ServiceBooking.status,
            ServiceBooking.sequence,
            ServiceBooking.arrived_at,
            ServiceBooking.done_at,
            ServiceBooking.cancelled_at,
            ServiceBooking.updated_at,
        ).join(ServiceSlot, ServiceSlot.id == ServiceBooking.slot_id)
    )
    return {booking_id: (day, start.hour, *rest) for booking_id, day, start, *rest in found}


def slot_id(day: date, hour: int) -> int:
    return db.session.scalar(
        select(ServiceSlot.id).where(ServiceSlot.day == day, ServiceSlot.starts_at == time(hour))
    )


def behind_its_back(booking: ServiceBooking, **values) -> None:
    """Another request changes the booking's row; `booking` keeps what it read before."""
    db.session.execute(
        update(ServiceBooking)
        .where(ServiceBooking.id == booking.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@pytest.fixture
def lane(monday, make_window, make_owner, make_vehicle):
    """Two windows a day (8 to 10, 1 to 3 PM), 3 cars each; four bookings made on Monday.

    `lane["mine"]` is Wednesday 8:00, `"neighbour"` shares its slot, `"afternoon"` is
    Wednesday 1 PM and `"thursday"` Thursday 8:00. The rows are written straight to the
    database (booking itself is tested in test_booking_services.py and test_booking_table.py),
    so each test here costs no more than the change it makes.
    """
    make_window(capacity=3, start=8, end=10)
    make_window(capacity=3, start=13, end=15)
    places = {(WEDNESDAY, 8): 2, (WEDNESDAY, 13): 1, (THURSDAY, 8): 1}
    slot_rows = {
        key: ServiceSlot(
            day=key[0], starts_at=time(key[1]), ends_at=time(key[1] + 2), capacity=3, booked=taken
        )
        for key, taken in places.items()
    }
    db.session.add_all(slot_rows.values())

    def booking(day, hour):
        owner = make_owner()
        return ServiceBooking(
            user_id=owner.id,
            vehicle_id=make_vehicle(owner).id,
            slot=slot_rows[(day, hour)],
            status=BookingStatus.BOOKED,
            work_kind=WorkKind.SERVICE,
            work_label="Service due",
            handover=Handover.WAIT,
        )

    made = {
        "mine": booking(WEDNESDAY, 8),
        "neighbour": booking(WEDNESDAY, 8),
        "afternoon": booking(WEDNESDAY, 13),
        "thursday": booking(THURSDAY, 8),
    }
    db.session.add_all(made.values())
    db.session.commit()
    for row in made.values():  # load what each one reads now, as a request would
        assert row.status == BookingStatus.BOOKED and row.slot.day
    return made


def only_mine_changed(before: dict, mine: ServiceBooking) -> dict[int, tuple]:
    """The rows now, after checking that no booking but `mine` changed; mine's row."""
    after = rows()
    assert {k: v for k, v in after.items() if k != mine.id} == {
        k: v for k, v in before.items() if k != mine.id
    }
    return after[mine.id]


def test_a_booking_lands_in_its_own_slot_among_others(lane, make_owner, make_vehicle, book_as):
    owner = make_owner()
    into_existing = book_as(owner, make_vehicle(owner), WEDNESDAY, hour=13)
    owner = make_owner()
    into_new = book_as(owner, make_vehicle(owner), THURSDAY, hour=13)
    assert slots() == {
        (WEDNESDAY, 8): 2,
        (WEDNESDAY, 13): 2,
        (THURSDAY, 8): 1,
        (THURSDAY, 13): 1,
    }
    assert (into_existing.slot.day, into_existing.slot.starts_at) == (WEDNESDAY, time(13))
    assert (into_new.slot.day, into_new.slot.starts_at) == (THURSDAY, time(13))


def test_a_move_changes_its_own_booking_and_its_two_slots_only(lane):
    mine, before = lane["mine"], rows()
    moved = services.move(db.session, mine, day=THURSDAY, starts_at=time(13), now=LATER)
    assert (moved.slot.day, moved.slot.starts_at) == (THURSDAY, time(13))
    db.session.commit()
    assert only_mine_changed(before, mine) == (
        THURSDAY,
        13,
        BookingStatus.BOOKED,
        1,
        None,
        None,
        None,
        LATER,
    )
    assert slots() == {
        (WEDNESDAY, 8): 1,
        (WEDNESDAY, 13): 1,
        (THURSDAY, 8): 1,
        (THURSDAY, 13): 1,
    }


def test_a_move_into_a_slot_with_a_lower_id_gives_back_the_old_place_too(lane):
    thursday = lane["thursday"]
    services.move(db.session, thursday, day=WEDNESDAY, starts_at=time(13), now=LATER)
    db.session.commit()
    assert slots() == {(WEDNESDAY, 8): 2, (WEDNESDAY, 13): 2, (THURSDAY, 8): 0}


def test_the_owner_hears_the_new_time_of_a_moved_booking(lane):
    mine = lane["mine"]
    services.move(db.session, mine, day=THURSDAY, starts_at=time(13), now=LATER)
    db.session.commit()
    message = db.session.scalar(
        select(Notification).where(Notification.key == f"servicelane:{mine.id}:booked:1")
    )
    assert message.subject.startswith("Moved: ") and message.created_at == LATER
    assert "has moved to Thu 10 Dec 2026, 1:00 PM to 3:00 PM EST" in message.body


def test_moving_to_the_time_already_booked_changes_nothing(lane):
    mine, before, places = lane["mine"], rows(), slots()
    with pytest.raises(ServiceError, match="the time you already have"):
        services.move(db.session, mine, day=WEDNESDAY, starts_at=time(8), now=LATER)
    assert (rows(), slots()) == (before, places)


def test_a_cancellation_changes_its_own_booking_and_slot_only(lane):
    mine, before = lane["mine"], rows()
    cancelled = services.cancel(db.session, mine, now=LATER)
    assert cancelled.status == BookingStatus.CANCELLED
    db.session.commit()
    assert only_mine_changed(before, mine) == (
        WEDNESDAY,
        8,
        BookingStatus.CANCELLED,
        1,
        None,
        None,
        LATER,
        LATER,
    )
    assert slots() == {(WEDNESDAY, 8): 1, (WEDNESDAY, 13): 1, (THURSDAY, 8): 1}


@pytest.mark.parametrize(
    ("staff", "words"), [(False, "You cancelled"), (True, "The service team has cancelled")]
)
def test_the_owner_hears_who_cancelled(lane, coordinator, staff, words):
    mine = lane["mine"]
    services.cancel(db.session, mine, now=LATER, staff=coordinator if staff else None)
    db.session.commit()
    message = db.session.scalar(
        select(Notification).where(Notification.key == f"servicelane:{mine.id}:cancelled")
    )
    assert words in message.body and message.created_at == LATER


def test_a_cancelled_booking_is_neither_moved_nor_cancelled_again(lane):
    mine = lane["mine"]
    services.cancel(db.session, mine, now=LATER)
    db.session.commit()
    before, places = rows(), slots()
    with pytest.raises(ServiceError, match="can no longer be moved"):
        services.move(db.session, mine, day=THURSDAY, starts_at=time(13), now=LATER)
    with pytest.raises(ServiceError, match="can no longer be cancelled"):
        services.cancel(db.session, mine, now=LATER)
    assert (rows(), slots()) == (before, places)


@pytest.mark.parametrize(
    ("status", "stamps"),
    [
        (BookingStatus.ARRIVED, (LATER, None)),
        (BookingStatus.DONE, (None, LATER)),
        (BookingStatus.NO_SHOW, (None, None)),
    ],
)
def test_marking_changes_its_own_booking_only_and_keeps_every_place(lane, status, stamps):
    mine, before, places = lane["mine"], rows(), slots()
    marked = services.mark(db.session, mine, status, now=LATER)
    assert marked.status == status
    db.session.commit()
    assert only_mine_changed(before, mine) == (WEDNESDAY, 8, status, 0, *stamps, None, LATER)
    assert slots() == places


def test_done_after_arrived_keeps_when_the_car_arrived(lane):
    mine = lane["mine"]
    services.mark(db.session, mine, BookingStatus.ARRIVED, now=LATER)
    finished = LATER + timedelta(hours=2)
    services.mark_done(db.session, mine, now=finished)
    db.session.commit()
    row = rows()[mine.id]
    assert row[2:7] == (BookingStatus.DONE, 0, LATER, finished, None)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (BookingStatus.ARRIVED, BookingStatus.ARRIVED),
        (BookingStatus.ARRIVED, BookingStatus.NO_SHOW),
        (BookingStatus.NO_SHOW, BookingStatus.ARRIVED),
        (BookingStatus.NO_SHOW, BookingStatus.DONE),
        (BookingStatus.DONE, BookingStatus.ARRIVED),
        (BookingStatus.DONE, BookingStatus.NO_SHOW),
    ],
)
def test_staff_cannot_mark_a_booking_back_or_sideways(lane, first, then):
    mine = lane["mine"]
    services.mark(db.session, mine, first, now=LATER)
    db.session.commit()
    before = rows()
    with pytest.raises(ServiceError, match="already"):
        services.mark(db.session, mine, then, now=LATER + timedelta(hours=1))
    assert rows() == before


def test_a_cancelled_booking_cannot_be_marked(lane):
    mine = lane["mine"]
    services.cancel(db.session, mine, now=LATER)
    db.session.commit()
    with pytest.raises(ServiceError, match="cancelled already"):
        services.mark(db.session, mine, BookingStatus.ARRIVED, now=LATER)


@pytest.mark.parametrize("status", [BookingStatus.BOOKED, BookingStatus.CANCELLED, "lost"])
def test_staff_mark_only_arrived_done_or_no_show(lane, status):
    before = rows()
    with pytest.raises(ServiceError, match="Choose arrived, done or no-show"):
        services.mark(db.session, lane["mine"], status, now=LATER)
    assert rows() == before


# --- Changed by another request after it was read -----------------------------------------


def test_a_move_of_a_booking_moved_meanwhile_is_refused(lane):
    mine = lane["mine"]
    # Another request moved it to Thursday 8:00 since this one read it.
    services.release_place(db.session, mine.slot_id)
    services.take_place(db.session, slot_id(THURSDAY, 8), None)
    behind_its_back(mine, slot_id=slot_id(THURSDAY, 8), sequence=1)
    before, places = rows(), slots()
    with pytest.raises(ServiceError, match="changed a moment ago"):
        services.move(db.session, mine, day=THURSDAY, starts_at=time(13), now=LATER)
    assert rows() == before
    assert slots() == places | {(THURSDAY, 13): 0}


@pytest.mark.parametrize("status", [BookingStatus.ARRIVED, BookingStatus.CANCELLED])
def test_a_move_of_a_booking_marked_meanwhile_is_refused(lane, status):
    mine = lane["mine"]
    behind_its_back(mine, status=status)
    before, places = rows(), slots()
    with pytest.raises(ServiceError, match="changed a moment ago"):
        services.move(db.session, mine, day=THURSDAY, starts_at=time(13), now=LATER)
    assert rows() == before
    assert slots() == places | {(THURSDAY, 13): 0}


@pytest.mark.parametrize("status", [BookingStatus.ARRIVED, BookingStatus.CANCELLED])
def test_a_cancellation_of_a_booking_marked_meanwhile_is_refused(lane, status):
    mine = lane["mine"]
    behind_its_back(mine, status=status)
    before, places = rows(), slots()
    with pytest.raises(ServiceError, match="changed a moment ago"):
        services.cancel(db.session, mine, now=LATER)
    assert (rows(), slots()) == (before, places)


def test_marking_a_booking_marked_meanwhile_is_refused(lane):
    mine = lane["mine"]
    behind_its_back(mine, status=BookingStatus.NO_SHOW)
    before = rows()
    with pytest.raises(ServiceError, match="changed a moment ago"):
        services.mark(db.session, mine, BookingStatus.ARRIVED, now=LATER)
    assert rows() == before
