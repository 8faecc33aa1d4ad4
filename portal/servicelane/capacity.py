"""Staff set the lane's capacity: windows per weekday, closed days and exceptions, settings.

A change reaches the slot rows already made for days ahead (their capacity follows, never
below what is already booked), so what owners see and what the UPDATE allows stay in step.
"""

from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dealership.queries import read_settings
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.servicelane.models import ServiceClosure, ServiceSlot, ServiceWindow
from portal.servicelane.queries import weekly_windows
from portal.servicelane.rules import DEFAULTS, overlaps, windows_on


def _resync(session: Session, today: date) -> None:
    """Bring the capacity of every slot row from today on in line with the rules."""
    session.flush()
    weekly = weekly_windows(session)
    exceptions = {
        row.day: row.capacity
        for row in session.scalars(select(ServiceClosure).where(ServiceClosure.day >= today))
    }
    for slot in session.scalars(select(ServiceSlot).where(ServiceSlot.day >= today)):
        windows = {w.starts_at: w.capacity for w in windows_on(slot.day, weekly, exceptions)}
        slot.capacity = max(windows.get(slot.starts_at, 0), slot.booked)


def add_window(
    session: Session, *, weekday: int, starts_at: time, ends_at: time, capacity: int, today: date
) -> ServiceWindow:
    """Add a window to a weekday; windows of one day never overlap."""
    if not 0 <= weekday <= 6:
        raise ServiceError("Choose a day of the week.", "weekday")
    if ends_at <= starts_at:
        raise ServiceError("The window must end after it starts.", "ends_at")
    if not 0 <= capacity <= 100:
        raise ServiceError("Between 0 and 100 cars.", "capacity")
    same_day = session.scalars(select(ServiceWindow).where(ServiceWindow.weekday == weekday))
    for other in same_day:
        if overlaps((starts_at, ends_at), (other.starts_at, other.ends_at)):
            raise ServiceError(
                f"It overlaps the {other.starts_at:%H:%M}–{other.ends_at:%H:%M} window.",
                "starts_at",
            )
    window = ServiceWindow(weekday=weekday, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    session.add(window)
    _resync(session, today)
    return window


def set_window_capacity(
    session: Session, window: ServiceWindow, capacity: int, today: date
) -> ServiceWindow:
    """Change how many cars a window takes (slots already booked keep their bookings)."""
    if not 0 <= capacity <= 100:
        raise ServiceError("Between 0 and 100 cars.", "capacity")
    window.capacity = capacity
    _resync(session, today)
    return window


def remove_window(session: Session, window: ServiceWindow, today: date) -> None:
    """Stop offering a window; bookings already in it stand (staff see them on the day)."""
    session.delete(window)
    _resync(session, today)


def save_closure(
    session: Session, *, day: date, capacity: int | None, note: str, today: date
) -> ServiceClosure:
    """Close a date, or give each of its windows a different capacity (replacing any before)."""
    if day < today:
        raise ServiceError("Choose today or a day ahead.", "day")
    if capacity is not None and not 0 <= capacity <= 100:
        raise ServiceError("Between 0 and 100 cars, or leave it empty to close.", "capacity")
    closure = session.scalar(select(ServiceClosure).where(ServiceClosure.day == day))
    if closure is None:
        closure = ServiceClosure(day=day)
        session.add(closure)
    closure.capacity, closure.note = capacity, note.strip()
    _resync(session, today)
    return closure


def remove_closure(session: Session, closure: ServiceClosure, today: date) -> None:
    """The date runs to its weekday's windows again."""
    session.delete(closure)
    _resync(session, today)


def save_lane_settings(session: Session, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Store the lane's settings; {key: (before, after)} for what changed."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise ServiceError(f"Unknown settings: {', '.join(sorted(unknown))}")
    current = read_settings(session, DEFAULTS)
    return write_settings(
        session, {key: value for key, value in values.items() if current[key] != value}
    )
