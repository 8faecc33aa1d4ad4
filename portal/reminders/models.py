"""Campaigns admins define, what owners did with a reminder, and their service-visit requests."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk, utcnow


class SeasonalCampaign(IdMixin, TimestampMixin, db.Model):
    """A yearly window (e.g. winter tyres, 15 Oct - 30 Nov) with advice for matching cars."""

    __tablename__ = "seasonal_campaigns"

    name: Mapped[str] = mapped_column(String(100))
    #: What to do, in the dealership's words; shown under the reminder and sent in messages.
    advice: Mapped[str] = mapped_column(Text, default="")
    start_month: Mapped[int]
    start_day: Mapped[int]
    end_month: Mapped[int]
    end_day: Mapped[int]
    #: Only cars of this make (any case); empty for every car.
    make: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)


class RecallCampaign(IdMixin, TimestampMixin, db.Model):
    """A manufacturer recall; open for every matching car until a service record closes it."""

    __tablename__ = "recall_campaigns"

    #: The manufacturer's code, upper case; a service record's `recall_code` closes it.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    #: What the workshop does, and anything the owner should know meanwhile.
    remedy: Mapped[str] = mapped_column(Text, default="")
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    year_from: Mapped[int]
    year_to: Mapped[int]
    #: The day the recall applies from.
    issued_on: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)


class ReminderState(IdMixin, db.Model):
    """What the owner did with one reminder (by its stable key): snoozed it, or marked it done."""

    __tablename__ = "reminder_states"

    user_id: Mapped[int] = user_fk(index=True)
    #: The reminder's stable key, e.g. "service:vehicle-12:2026-01-15".
    key: Mapped[str] = mapped_column(String(200), unique=True)
    #: Hidden from messages (and moved down the page) until this local date.
    snoozed_until: Mapped[date | None]
    done_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TimeWindow(StrEnum):
    """When in the day an owner would like to bring the car in."""

    MORNING = "morning"
    MIDDAY = "midday"
    AFTERNOON = "afternoon"


TIME_WINDOW_LABELS = {
    TimeWindow.MORNING: "Morning (8–11am)",
    TimeWindow.MIDDAY: "Midday (11am–2pm)",
    TimeWindow.AFTERNOON: "Afternoon (2–5pm)",
}


class VisitStatus(StrEnum):
    """Where a service-visit request is."""

    OPEN = "open"
    HANDLED = "handled"


class ServiceVisitRequest(IdMixin, db.Model):
    """An owner asking the service team for a visit; staff call back and mark it handled."""

    __tablename__ = "service_visit_requests"
    __table_args__ = (
        # The staff list: open ones or all, by the day asked, the day wanted or status.
        Index("ix_service_visit_requests_status", "status", "created_at", "id"),
        Index("ix_service_visit_requests_status_preferred_day", "status", "preferred_day", "id"),
        Index("ix_service_visit_requests_created_at", "created_at", "id"),
        Index("ix_service_visit_requests_preferred_day", "preferred_day", "id"),
    )

    user_id: Mapped[int] = user_fk(index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    #: The reminder it was asked from, if any.
    reminder_key: Mapped[str | None] = mapped_column(String(200))
    #: What the reminder was about, for staff ("Service due", "Recall R-123 ...").
    topic: Mapped[str] = mapped_column(String(200))
    preferred_day: Mapped[date]
    time_window: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = optional_user_fk()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    vehicle: Mapped[Vehicle] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def time_window_label(self) -> str:
        return TIME_WINDOW_LABELS.get(self.time_window, self.time_window)


class AdvisedWork(IdMixin, db.Model):
    """Work a technician advised for later (from a service visit): a reminder of its own.

    It is due on its date, or on the day the car is expected to reach its miles, whichever
    comes first; the owner snoozes or marks it done like any other reminder.
    """

    __tablename__ = "advised_work"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    #: What to have done, in the advisor's words ("Front brake pads: about 3 mm left").
    what: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    due_miles: Mapped[int | None]
    #: The day it was advised (the visit's day).
    advised_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
