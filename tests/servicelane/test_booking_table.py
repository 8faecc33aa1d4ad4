"""Who may book what, one booking per case: the held share and each horizon as tables.

Each case prepares the lane first (windows, and a slot row already holding some places,
written straight to the row) and then makes exactly one booking, so a case is cheap and says
one thing: whether this person gets this place, and that no other slot changed.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.errors import ServiceError
from portal.extensions import db
from portal.servicelane.models import ServiceSlot
from tests.servicelane.conftest import MONDAY

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)
#: Thursday's held share is released 48 hours before its midnight in New York.
RELEASE = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
TODAY = MONDAY.date()


def slots() -> dict[tuple[date, int], int]:
    """{(day, hour): places taken} for every slot row."""
    db.session.expire_all()
    found = db.session.execute(select(ServiceSlot.day, ServiceSlot.starts_at, ServiceSlot.booked))
    return {(day, start.hour): taken for day, start, taken in found}


@pytest.fixture
def person(request, make_owner, make_vehicle, coordinator):
    """(owner, car, staff) for "member", "ambassador" or "staff" (booking for a member)."""
    tier = {"ambassador": AMBASSADOR_LEVEL}.get(request.param, 0)
    owner = make_owner(tier_level=tier)
    return owner, make_vehicle(owner), coordinator if request.param == "staff" else None


def attempt(book_as, person, day, hour, at) -> bool:
    """One booking at `at`: True when it went through, False when the place was refused."""
    owner, car, staff = person
    with clock.frozen(at):
        try:
            book_as(owner, car, day, hour=hour, staff=staff)
        except ServiceError as refusal:
            db.session.rollback()
            assert refusal.field == "slot"
            return False
    return True


# --- The held share ------------------------------------------------------------------------


@pytest.fixture
def thursday_window(make_window):
    """`thursday_window(booked)`: 8 to 10 every day for 5 cars (20% of 5: one place held);
    Thursday's and Wednesday's slot rows already hold `booked` places."""

    def prepare(booked: int) -> None:
        make_window(capacity=5)
        for day in (WEDNESDAY, THURSDAY):
            db.session.add(
                ServiceSlot(day=day, starts_at=time(8), ends_at=time(10), capacity=5, booked=booked)
            )
        db.session.commit()

    return prepare


@pytest.mark.parametrize(
    ("person", "at", "booked", "granted"),
    [
        ("member", MONDAY, 3, True),  # the members' last place
        ("member", MONDAY, 4, False),  # only the held place is left
        ("member", RELEASE - timedelta(microseconds=1), 4, False),
        ("member", RELEASE, 4, True),  # released to everyone
        ("member", RELEASE, 5, False),
        ("ambassador", MONDAY, 4, True),
        ("ambassador", MONDAY, 5, False),
        ("staff", MONDAY, 4, True),
        ("staff", MONDAY, 5, False),
    ],
    indirect=["person"],
)
def test_who_takes_the_held_place_and_when(thursday_window, book_as, person, at, booked, granted):
    thursday_window(booked)
    assert attempt(book_as, person, THURSDAY, 8, at) is granted
    taken = booked + 1 if granted else booked
    assert slots() == {(WEDNESDAY, 8): booked, (THURSDAY, 8): taken}


# --- Which days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "days_ahead", "granted"),
    [
        ("member", 0, False),  # owners book from tomorrow
        ("member", 1, True),
        ("member", 14, True),
        ("member", 15, False),
        ("ambassador", 0, False),
        ("ambassador", 21, True),
        ("ambassador", 22, False),
        ("staff", 0, True),  # later today: the 11:00 window has not begun
        ("staff", 366, True),
        ("staff", 367, False),
    ],
    indirect=["person"],
)
def test_each_person_books_within_their_own_days(make_window, book_as, person, days_ahead, granted):
    make_window(capacity=3, start=11, end=12)
    day = TODAY + timedelta(days=days_ahead)
    assert attempt(book_as, person, day, 11, MONDAY) is granted
    assert slots() == ({(day, 11): 1} if granted else {})
