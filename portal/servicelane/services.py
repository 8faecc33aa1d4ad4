"""Booking, moving and cancelling slots, and the staff's arrived / done / no-show.

Capacity is a promise. `service_slots.booked` changes only through `take_place` and
`release_place`: single conditional UPDATEs whose row count says whether the place was
taken, race-free on PostgreSQL (READ COMMITTED) and on SQLite (every writing transaction is
BEGIN IMMEDIATE). A slot's row is made on demand (insert-or-ignore) the first time one of
its places is taken. Services flush and queue messages; the caller commits.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.servicelane import messages
from portal.servicelane.models import (
    BookingStatus,
    Handover,
    ServiceBooking,
    ServiceSlot,
    WorkKind,
)
from portal.servicelane.queries import (
    active_booking_for_car,
    find_opening,
    lane_settings,
    openings,
)
from portal.servicelane.rules import (
    Opening,
    change_deadline,
    is_priority,
    last_bookable_day,
    slot_start,
)

#: How far ahead staff may book for an owner, whatever the owners' horizon.
STAFF_DAYS_AHEAD = 366

SLOT_TAKEN = "That time has just been taken. Please choose another; the list shows what is free."


@dataclass(frozen=True)
class Work:
    """What the car comes in for: the due service, an open recall, or something else."""

    kind: WorkKind
    label: str
    reminder_key: str | None = None


# --- Places -----------------------------------------------------------------------------


def slot_row(session: Session, day: date, window: Opening) -> int:
    """The id of the slot row for this window on `day`, made now if nobody booked it yet."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(ServiceSlot)
        .values(
            day=day,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            capacity=window.capacity,
            booked=0,
        )
        .on_conflict_do_nothing(index_elements=["day", "starts_at"])
    )
    return session.scalar(
        select(ServiceSlot.id).where(
            ServiceSlot.day == day, ServiceSlot.starts_at == window.starts_at
        )
    )


def take_place(session: Session, slot_id: int, share_percent: int | None) -> bool:
    """Take one place if one is free; True when this transaction won it.

    `share_percent` keeps that share of the slot (rounded half up, as `rules.held_places`)
    out of reach: pass it for a member while the ambassadors' share is held, None otherwise.
    """
    limit = ServiceSlot.capacity
    if share_percent:
        limit = ServiceSlot.capacity - (ServiceSlot.capacity * share_percent + 50) // 100
    result = session.execute(
        update(ServiceSlot)
        .where(ServiceSlot.id == slot_id, ServiceSlot.booked < limit)
        .values(booked=ServiceSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_place(session: Session, slot_id: int) -> None:
    """Give a place back to its slot."""
    session.execute(
        update(ServiceSlot)
        .where(ServiceSlot.id == slot_id, ServiceSlot.booked > 0)
        .values(booked=ServiceSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


# --- Choosing a slot --------------------------------------------------------------------


def _opening_for(
    session: Session, user: User, day: date, starts_at: time, now: datetime, staff: bool
) -> Opening:
    """The window the person asked for, if they may book it now; else ServiceError."""
    zone = dealership_zone(session)
    today = now.astimezone(zone).date()
    settings = lane_settings(session)
    priority = is_priority(user)
    first = today if staff else today + timedelta(days=1)
    last = (
        today + timedelta(STAFF_DAYS_AHEAD)
        if staff
        else last_bookable_day(today, settings, priority)
    )
    if not first <= day <= last:
        raise ServiceError("That day is not open for booking yet; please choose another.", "slot")
    found = find_opening(openings(session, day, day, now, priority, staff), day, starts_at)
    if found is None or slot_start(day, starts_at, zone) <= now:
        raise ServiceError(
            "That time is not one of the lane's slots; please choose another.", "slot"
        )
    return found


def _hold(session: Session, user: User, found: Opening, staff: bool) -> int:
    """Take a place in the window for this person; the slot's id, or ServiceError."""
    slot_id = slot_row(session, found.day, found)
    share = (
        None
        if staff or is_priority(user) or not found.held
        else lane_settings(session).priority_share_percent
    )
    if not take_place(session, slot_id, share):
        raise ServiceError(SLOT_TAKEN, "slot")
    return slot_id


# --- Booking ----------------------------------------------------------------------------


def book(
    session: Session,
    *,
    owner: User,
    vehicle: Vehicle,
    day: date,
    starts_at: time,
    work: Work,
    handover: str,
    note: str,
    now: datetime,
    staff: User | None = None,
) -> ServiceBooking:
    """Book the owner's car into a slot; `staff` books for them (any day, the held share too)."""
    if vehicle.owner_id != owner.id or vehicle.retired_at is not None:
        raise ServiceError("Choose one of your cars.", "vehicle")
    if handover not in set(Handover):
        raise ServiceError("Choose what you'd like to do while we work on the car.", "handover")
    if work.kind == WorkKind.OTHER and not note.strip():
        raise ServiceError("Tell us a little about what the car needs.", "note")
    existing = active_booking_for_car(session, vehicle.id)
    if existing is not None:
        raise ServiceError(
            f"The {vehicle.label} is already booked in; move that booking instead.", "slot"
        )
    found = _opening_for(session, owner, day, starts_at, now, staff is not None)
    booking = ServiceBooking(
        user_id=owner.id,
        vehicle_id=vehicle.id,
        slot_id=_hold(session, owner, found, staff is not None),
        status=BookingStatus.BOOKED,
        work_kind=work.kind,
        work_label=work.label,
        reminder_key=work.reminder_key,
        handover=handover,
        note=note.strip(),
        booked_by_id=staff.id if staff else None,
    )
    session.add(booking)
    session.flush()
    messages.booked(session, booking, now)
    return booking


def _owner_may_change(session: Session, booking: ServiceBooking, now: datetime) -> None:
    settings, zone = lane_settings(session), dealership_zone(session)
    deadline = change_deadline(booking.slot.day, booking.slot.starts_at, settings, zone)
    if now >= deadline:
        raise ServiceError(
            f"It's less than {settings.change_cutoff_hours} hours to your visit, so please call "
            "the service team to change it."
        )


def move(
    session: Session,
    booking: ServiceBooking,
    *,
    day: date,
    starts_at: time,
    now: datetime,
    staff: User | None = None,
) -> ServiceBooking:
    """Move a booking to another slot in one transaction: its old place is given back and the
    new one taken, or neither (the booking never holds two places once committed).

    The booking's row is switched conditionally first (from the slot it was read in), so two
    moves of one booking at once cannot both go through; the two slots are then changed in
    id order, so two bookings swapping slots never deadlock.
    """
    if not booking.is_changeable:
        raise ServiceError("This booking can no longer be moved.")
    if staff is None:
        _owner_may_change(session, booking, now)
    old_slot = booking.slot_id
    found = _opening_for(session, booking.user, day, starts_at, now, staff is not None)
    new_slot = slot_row(session, day, found)
    if new_slot == old_slot:
        raise ServiceError("That is the time you already have.", "slot")
    switched = session.execute(
        update(ServiceBooking)
        .where(
            ServiceBooking.id == booking.id,
            ServiceBooking.slot_id == old_slot,
            ServiceBooking.status == BookingStatus.BOOKED,
        )
        .values(slot_id=new_slot, sequence=ServiceBooking.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if switched.rowcount != 1:
        raise ServiceError("This booking changed a moment ago; please look at it again.")
    share = None
    if staff is None and not is_priority(booking.user) and found.held:
        share = lane_settings(session).priority_share_percent
    for slot_id in sorted((old_slot, new_slot)):
        if slot_id == old_slot:
            release_place(session, old_slot)
        elif not take_place(session, new_slot, share):
            raise ServiceError(SLOT_TAKEN, "slot")
    session.expire(booking)
    messages.booked(session, booking, now, moved=True)
    return booking


def cancel(
    session: Session, booking: ServiceBooking, *, now: datetime, staff: User | None = None
) -> ServiceBooking:
    """Cancel a booking and give its place back."""
    if not booking.is_changeable:
        raise ServiceError("This booking can no longer be cancelled.")
    if staff is None:
        _owner_may_change(session, booking, now)
    done = session.execute(
        update(ServiceBooking)
        .where(ServiceBooking.id == booking.id, ServiceBooking.status == BookingStatus.BOOKED)
        .values(
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            sequence=ServiceBooking.sequence + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ServiceError("This booking changed a moment ago; please look at it again.")
    release_place(session, booking.slot_id)
    session.expire(booking)
    messages.cancelled(session, booking, now, by_staff=staff is not None)
    return booking


# --- The staff's day --------------------------------------------------------------------

#: What staff may mark, and from which statuses.
TRANSITIONS = {
    BookingStatus.ARRIVED: (BookingStatus.BOOKED,),
    BookingStatus.NO_SHOW: (BookingStatus.BOOKED,),
    BookingStatus.DONE: (BookingStatus.BOOKED, BookingStatus.ARRIVED),
}
_STAMPS = {BookingStatus.ARRIVED: "arrived_at", BookingStatus.DONE: "done_at"}


def mark(
    session: Session, booking: ServiceBooking, status: str, *, now: datetime
) -> ServiceBooking:
    """Mark a booking arrived, done or a no-show (staff). A no-show keeps its place: the time
    has gone. "Done" is where the visit's story begins (the work, photos, points)."""
    allowed = TRANSITIONS.get(status)
    if allowed is None:
        raise ServiceError("Choose arrived, done or no-show.")
    if booking.status not in allowed:
        raise ServiceError(f"This booking is {booking.status_label.lower()} already.")
    values = {"status": status, "updated_at": now}
    if status in _STAMPS:
        values[_STAMPS[status]] = now
    result = session.execute(
        update(ServiceBooking)
        .where(ServiceBooking.id == booking.id, ServiceBooking.status == booking.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError("This booking changed a moment ago; please look at it again.")
    session.expire(booking)
    return booking


def mark_done(session: Session, booking: ServiceBooking, *, now: datetime) -> ServiceBooking:
    """The work is done: the booking is complete and its visit can be written up."""
    return mark(session, booking, BookingStatus.DONE, now=now)
