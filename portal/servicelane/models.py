"""The service lane's capacity (windows, closed days), its slots and the bookings in them."""

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk


class ServiceWindow(IdMixin, TimestampMixin, db.Model):
    """A time window on one weekday and the cars the lane takes in it (bays or advisors)."""

    __tablename__ = "service_windows"
    __table_args__ = (
        UniqueConstraint("weekday", "starts_at"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_week"),
    )

    #: 0 Monday .. 6 Sunday, as `date.weekday()`.
    weekday: Mapped[int]
    #: Local times at the dealership.
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    #: Cars the lane takes in this window.
    capacity: Mapped[int]


class ServiceClosure(IdMixin, TimestampMixin, db.Model):
    """An exception for one date: the lane is closed, or every window takes a different number."""

    __tablename__ = "service_closures"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    day: Mapped[date] = mapped_column(unique=True)
    #: None: closed all day; otherwise the capacity of each of that day's windows.
    capacity: Mapped[int | None]
    #: Why, for staff and for the owner who finds the day closed ("Public holiday").
    note: Mapped[str] = mapped_column(String(200), default="")


class ServiceSlot(IdMixin, db.Model):
    """One window on one date, made when first booked: the row the conditional UPDATE holds.

    `booked` changes only through `services.take_place` and `services.release_place`.
    """

    __tablename__ = "service_slots"
    __table_args__ = (
        UniqueConstraint("day", "starts_at"),
        # The last line of defence: the conditional UPDATEs keep to it first.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within"),
    )

    day: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    #: Copied from the window (or the day's exception) when the row is made; kept in step
    #: when staff change them, never below what is already booked.
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)


class BookingStatus(StrEnum):
    """Where a booking is: ahead, the car is in, the work is done, or it did not happen."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    BookingStatus.BOOKED: "Booked",
    BookingStatus.ARRIVED: "Arrived",
    BookingStatus.DONE: "Done",
    BookingStatus.NO_SHOW: "No-show",
    BookingStatus.CANCELLED: "Cancelled",
}

#: Bookings in these states hold their slot's place.
HOLDING = (BookingStatus.BOOKED, BookingStatus.ARRIVED, BookingStatus.DONE, BookingStatus.NO_SHOW)
#: Bookings the owner (before the cut-off) or staff may still move or cancel.
CHANGEABLE = (BookingStatus.BOOKED,)


class WorkKind(StrEnum):
    """What the car comes in for."""

    SERVICE = "service"
    RECALL = "recall"
    OTHER = "other"


class Handover(StrEnum):
    """What the owner does while the work is done."""

    WAIT = "wait"
    COURTESY_CAR = "courtesy_car"
    DROP_OFF = "drop_off"


HANDOVER_LABELS = {
    Handover.WAIT: "I'll wait at the dealership",
    Handover.COURTESY_CAR: "I'd like a courtesy car",
    Handover.DROP_OFF: "I'll drop it off and collect it later",
}


class ServiceBooking(IdMixin, TimestampMixin, db.Model):
    """One car booked into one slot of the lane."""

    __tablename__ = "service_bookings"
    __table_args__ = (
        Index("ix_service_bookings_slot_status", "slot_id", "status"),
        Index("ix_service_bookings_user_status", "user_id", "status"),
    )

    user_id: Mapped[int] = user_fk()
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("service_slots.id"))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.BOOKED)
    #: "service", "recall" or "other".
    work_kind: Mapped[str] = mapped_column(String(16))
    #: What the work is, in words ("Service due", "Recall 24V-101: …", "Something else").
    work_label: Mapped[str] = mapped_column(String(200))
    #: The reminder the owner booked from, if any (its key, as reminders make it).
    reminder_key: Mapped[str | None] = mapped_column(String(200))
    #: "wait", "courtesy_car" or "drop_off".
    handover: Mapped[str] = mapped_column(String(16))
    #: The owner's note ("a rattle from the back at speed").
    note: Mapped[str] = mapped_column(Text, default="")
    #: The member of staff who booked it for the owner (None: the owner booked it).
    booked_by_id: Mapped[int | None] = optional_user_fk()
    arrived_at: Mapped[datetime | None]
    #: When staff marked the work done: where the visit's story (work, photos) begins.
    done_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: iCalendar SEQUENCE: bumped when the booking moves or is cancelled.
    sequence: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    vehicle: Mapped[Vehicle] = relationship()
    slot: Mapped[ServiceSlot] = relationship()
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def handover_label(self) -> str:
        return HANDOVER_LABELS.get(self.handover, self.handover)

    @property
    def is_changeable(self) -> bool:
        return self.status in CHANGEABLE
