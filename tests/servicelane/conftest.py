"""Service lane helpers: a lane with windows, a frozen Monday, booking through the service."""

from datetime import UTC, date, datetime, time

import pytest

from portal import clock
from portal.extensions import db
from portal.servicelane import services
from portal.servicelane.models import Handover, ServiceWindow, WorkKind

#: Monday 7 December 2026, 10:00 AM in New York (the test dealership's zone).
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
TOMORROW = date(2026, 12, 8)


@pytest.fixture
def monday():
    """The clock held at MONDAY for the test."""
    with clock.frozen(MONDAY) as now:
        yield now


@pytest.fixture
def make_window(app):
    """`make_window(capacity=3, start=8, end=10, weekdays=range(7))`: the same window each day."""

    def make(capacity: int = 3, start: int = 8, end: int = 10, weekdays=range(7)):
        for weekday in weekdays:
            db.session.add(
                ServiceWindow(
                    weekday=weekday, starts_at=time(start), ends_at=time(end), capacity=capacity
                )
            )
        db.session.commit()

    return make


@pytest.fixture
def book_as(app):
    """`book_as(owner, car, day, hour=8)`: a booking through the service, committed."""

    def book(owner, car, day: date, hour: int = 8, staff=None, work=None):
        with app.test_request_context():
            booking = services.book(
                db.session,
                owner=owner,
                vehicle=car,
                day=day,
                starts_at=time(hour),
                work=work or services.Work(WorkKind.SERVICE, "Service due"),
                handover=Handover.WAIT,
                note="",
                now=clock.now(),
                staff=staff,
            )
            db.session.commit()
        return booking

    return book


@pytest.fixture
def live_session(live_server):
    """`live_session()`: a browser-like session (cookies, CSRF) on the live server."""
    from tests.events.conftest import LiveSession

    return lambda: LiveSession(live_server)
