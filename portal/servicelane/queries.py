"""Reads for the lane's pages: settings, open slots for one person, bookings, a staff day."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone, read_settings
from portal.garage.models import Vehicle
from portal.reminders.queries.pages import owner_reminders
from portal.reminders.rules import Kind
from portal.servicelane.models import (
    HOLDING,
    BookingStatus,
    ServiceBooking,
    ServiceClosure,
    ServiceSlot,
    ServiceWindow,
)
from portal.servicelane.rules import (
    DEFAULTS,
    LaneSettings,
    Opening,
    Window,
    held_places,
    is_priority,
    last_bookable_day,
    opening,
    share_is_held,
    windows_on,
)


def lane_settings(session: Session) -> LaneSettings:
    """The lane's settings as stored (defaults where none are)."""
    return LaneSettings.from_stored(read_settings(session, DEFAULTS))


def weekly_windows(session: Session) -> dict[int, list[Window]]:
    """Every weekday's windows, earliest first."""
    weekly: dict[int, list[Window]] = defaultdict(list)
    rows = session.scalars(select(ServiceWindow).order_by(ServiceWindow.starts_at))
    for row in rows:
        weekly[row.weekday].append(Window(row.starts_at, row.ends_at, row.capacity))
    return weekly


def window_rows(session: Session) -> list[ServiceWindow]:
    """The windows for the staff's capacity page, by weekday and time."""
    return list(
        session.scalars(
            select(ServiceWindow).order_by(ServiceWindow.weekday, ServiceWindow.starts_at)
        )
    )


def closures_from(session: Session, first: date) -> list[ServiceClosure]:
    """Exceptions from `first` on, soonest first."""
    return list(
        session.scalars(
            select(ServiceClosure).where(ServiceClosure.day >= first).order_by(ServiceClosure.day)
        )
    )


def _exceptions(session: Session, first: date, last: date) -> dict[date, int | None]:
    rows = session.execute(
        select(ServiceClosure.day, ServiceClosure.capacity).where(
            ServiceClosure.day.between(first, last)
        )
    )
    return {day: capacity for day, capacity in rows}


def _booked(session: Session, first: date, last: date) -> dict[tuple, int]:
    rows = session.execute(
        select(ServiceSlot.day, ServiceSlot.starts_at, ServiceSlot.booked).where(
            ServiceSlot.day.between(first, last)
        )
    )
    return {(day, start): booked for day, start, booked in rows}


@dataclass
class DayOpenings:
    """One day's windows for one person."""

    day: date
    openings: list[Opening] = field(default_factory=list)

    @property
    def free(self) -> list[Opening]:
        return [slot for slot in self.openings if slot.free > 0]


def openings(
    session: Session,
    first: date,
    last: date,
    now: datetime,
    priority: bool,
    staff: bool = False,
) -> list[DayOpenings]:
    """Each day from `first` to `last` with its windows and what is free for this person.

    Four statements whatever the range: settings, windows, exceptions, slot rows.
    """
    settings, zone = lane_settings(session), dealership_zone(session)
    weekly = weekly_windows(session)
    exceptions = _exceptions(session, first, last)
    booked = _booked(session, first, last)
    days = []
    day = first
    while day <= last:
        held_now = share_is_held(day, now, settings, zone)
        found = DayOpenings(day)
        for window in windows_on(day, weekly, exceptions):
            held = held_places(window.capacity, settings.priority_share_percent) if held_now else 0
            taken = booked.get((day, window.starts_at), 0)
            found.openings.append(opening(day, window, taken, held, priority, staff))
        if found.openings:
            days.append(found)
        day += timedelta(days=1)
    return days


def owner_openings(session: Session, user: User, today: date, now: datetime) -> list[DayOpenings]:
    """The days an owner can book, from tomorrow to their horizon (further for ambassadors)."""
    settings = lane_settings(session)
    priority = is_priority(user)
    last = last_bookable_day(today, settings, priority)
    return openings(session, today + timedelta(days=1), last, now, priority)


def find_opening(days: list[DayOpenings], day: date, starts_at) -> Opening | None:
    """The window starting at `starts_at` on `day`, if the list has it."""
    for found in days:
        if found.day == day:
            return next((o for o in found.openings if o.starts_at == starts_at), None)
    return None


def _booking_query():
    return select(ServiceBooking).options(
        joinedload(ServiceBooking.slot),
        joinedload(ServiceBooking.vehicle),
        joinedload(ServiceBooking.user),
    )


def booking_for_owner(session: Session, user: User, booking_id: int) -> ServiceBooking | None:
    """The owner's booking, or None (another owner's booking is a 404)."""
    return session.scalar(
        _booking_query().where(ServiceBooking.id == booking_id, ServiceBooking.user_id == user.id)
    )


def booking_by_id(session: Session, booking_id: int) -> ServiceBooking | None:
    """Any booking, for staff."""
    return session.scalar(_booking_query().where(ServiceBooking.id == booking_id))


def owner_bookings(session: Session, user: User, today: date) -> list[ServiceBooking]:
    """The owner's bookings from today on that still stand, soonest first."""
    return list(
        session.scalars(
            _booking_query()
            .join(ServiceBooking.slot)
            .where(
                ServiceBooking.user_id == user.id,
                ServiceBooking.status.in_([BookingStatus.BOOKED, BookingStatus.ARRIVED]),
                ServiceSlot.day >= today,
            )
            .order_by(ServiceSlot.day, ServiceSlot.starts_at)
        )
    )


def active_booking_for_car(session: Session, vehicle_id: int) -> ServiceBooking | None:
    """The car's booking still ahead (booked, not yet arrived), if any."""
    return session.scalar(
        select(ServiceBooking).where(
            ServiceBooking.vehicle_id == vehicle_id, ServiceBooking.status == BookingStatus.BOOKED
        )
    )


@dataclass
class LaneWindow:
    """One window of the staff's day: its slot's numbers and the bookings in it."""

    window: Window
    booked: int
    bookings: list[ServiceBooking]


def lane_day(session: Session, day: date) -> list[LaneWindow]:
    """The staff's page for a day: every window with its bookings (cancelled ones left out)."""
    weekly = weekly_windows(session)
    exceptions = _exceptions(session, day, day)
    bookings = session.scalars(
        _booking_query()
        .join(ServiceBooking.slot)
        .where(ServiceSlot.day == day, ServiceBooking.status.in_(HOLDING))
        .order_by(ServiceSlot.starts_at, ServiceBooking.id)
    ).all()
    booked = _booked(session, day, day)
    by_start = defaultdict(list)
    for booking in bookings:
        by_start[booking.slot.starts_at].append(booking)
    lane = [
        LaneWindow(w, booked.get((day, w.starts_at), 0), by_start.pop(w.starts_at, []))
        for w in windows_on(day, weekly, exceptions)
    ]
    # Bookings in a window staff have since removed still show, so nobody is forgotten.
    for start, stranded in sorted(by_start.items()):
        slot = stranded[0].slot
        lane.append(LaneWindow(Window(start, slot.ends_at, slot.capacity), slot.booked, stranded))
    return sorted(lane, key=lambda item: item.window.starts_at)


def bookings_for_reminder(session: Session, day: date) -> list[ServiceBooking]:
    """Bookings still standing on `day`, for the reminder the day before."""
    return list(
        session.scalars(
            _booking_query()
            .join(ServiceBooking.slot)
            .where(ServiceSlot.day == day, ServiceBooking.status == BookingStatus.BOOKED)
        )
    )


def calendar_bookings(session: Session, user_id: int, since: date) -> list[ServiceBooking]:
    """The owner's bookings for their calendar feed: from `since`, cancelled ones included
    (a calendar that has the entry learns it is cancelled)."""
    return list(
        session.scalars(
            select(ServiceBooking)
            .join(ServiceBooking.slot)
            .options(contains_eager(ServiceBooking.slot), joinedload(ServiceBooking.vehicle))
            .where(ServiceBooking.user_id == user_id, ServiceSlot.day >= since)
            .order_by(ServiceSlot.day, ServiceSlot.starts_at)
        )
    )


@dataclass(frozen=True)
class WorkChoice:
    """One thing the owner can book the car in for, as the form offers it."""

    value: str
    kind: str
    label: str
    reminder_key: str | None = None


def work_choices(session: Session, user: User, vehicle_id: int, today: date) -> list[WorkChoice]:
    """The car's due service and open recalls (from its reminders), then "something else"."""
    page = owner_reminders(session, user, today)
    group = page.car(vehicle_id)
    choices = [WorkChoice("service", "service", "Its regular service")]
    for reminder in group.reminders if group else []:
        if reminder.kind == Kind.SERVICE:
            choices[0] = WorkChoice("service", "service", reminder.what, reminder.key)
        elif reminder.kind == Kind.RECALL:
            choices.append(
                WorkChoice(f"recall:{reminder.key}", "recall", reminder.what, reminder.key)
            )
    choices.append(WorkChoice("other", "other", "Something else (tell us below)"))
    return choices


def owner_cars(session: Session, user: User) -> list[Vehicle]:
    """The owner's cars still with them, for choosing which to book in."""
    return list(
        session.scalars(
            select(Vehicle)
            .where(Vehicle.owner_id == user.id, Vehicle.retired_at.is_(None))
            .order_by(Vehicle.id)
        )
    )
