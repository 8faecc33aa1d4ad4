"""A completed service visit: its lines of work, advice for later, photos and clips."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.models import IdMixin, optional_user_fk, user_fk, utcnow
from portal.reminders.models import AdvisedWork
from portal.visits.rules import THUMB_LONGEST_SIDE, fitted_size


class LineKind(StrEnum):
    """What a line of work is."""

    LABOUR = "labour"
    PART = "part"


class MediaKind(StrEnum):
    """A photo or a short video clip."""

    PHOTO = "photo"
    VIDEO = "video"


class Visit(IdMixin, db.Model):
    """A service visit the workshop completed: when, by whom, and what the owner should know."""

    __tablename__ = "visits"
    __table_args__ = (
        # A visit is completed once: a double submit or a re-run finds the same key.
        Index("uq_visits_idempotency_key", "idempotency_key", unique=True),
        Index("ix_visits_vehicle_completed", "vehicle_id", "completed_at"),
    )

    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    #: The car's owner when the visit was completed (points go to them).
    owner_id: Mapped[int] = user_fk(index=True)
    #: The service advisor who completed it.
    advisor_id: Mapped[int | None] = optional_user_fk()
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The visit's day at the dealership.
    completed_on: Mapped[date]
    mileage: Mapped[int | None]
    #: The advisor's story of the visit, in plain words for the owner.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The service-lane booking it completes, if any.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_bookings.id", ondelete="SET NULL"), index=True
    )
    #: Whether the owner sees the prices of the lines.
    show_prices: Mapped[bool] = mapped_column(default=False)
    #: The recall campaign this visit carried out, if any.
    recall_code: Mapped[str | None] = mapped_column(String(40))
    #: The entry in the car's service history this visit wrote.
    service_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_records.id", ondelete="SET NULL")
    )
    #: "form:<token>" from the staff form, or "booking:<id>"; unique.
    idempotency_key: Mapped[str] = mapped_column(String(80))
    #: Points the owner earned for it.
    points: Mapped[int] = mapped_column(default=0)

    vehicle: Mapped[Vehicle] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    lines: Mapped[list["VisitLine"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitLine.id"
    )
    recommendations: Mapped[list["Recommendation"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Recommendation.id"
    )
    media: Mapped[list["VisitMedia"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitMedia.id"
    )

    @property
    def total_minor(self) -> int:
        """What the priced lines add up to, in cents."""
        return sum(line.total_minor or 0 for line in self.lines)


class VisitLine(IdMixin, db.Model):
    """One line of work done: labour or a part, with its price when it has one."""

    __tablename__ = "visit_lines"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(200))
    #: Hours for labour, a count for parts.
    quantity: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(1))
    #: The price of one unit, in cents.
    unit_price_minor: Mapped[int | None]

    visit: Mapped[Visit] = relationship(back_populates="lines")

    @property
    def total_minor(self) -> int | None:
        """Quantity times unit price, in cents, or None when unpriced."""
        if self.unit_price_minor is None:
            return None
        return int((self.quantity * self.unit_price_minor).to_integral_value())


class Recommendation(IdMixin, db.Model):
    """Work advised at this visit for later; the owner's reminder is the advised work."""

    __tablename__ = "visit_recommendations"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    advice_id: Mapped[int] = mapped_column(
        ForeignKey("advised_work.id", ondelete="CASCADE"), index=True
    )

    visit: Mapped[Visit] = relationship(back_populates="recommendations")
    advice: Mapped[AdvisedWork] = relationship()


class VisitMedia(IdMixin, db.Model):
    """A photo (re-encoded, location stripped) or a clip, stored under the media folder."""

    __tablename__ = "visit_media"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: The file's random name in the media folder; never the uploader's name.
    stored_name: Mapped[str] = mapped_column(String(80))
    #: A small copy for the history page (photos only).
    thumb_name: Mapped[str | None] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    #: Describes the picture for people who cannot see it.
    alt_text: Mapped[str] = mapped_column(String(200), default="")

    visit: Mapped[Visit] = relationship(back_populates="media")

    @property
    def thumb_size(self) -> tuple[int, int] | None:
        """The thumbnail's width and height, for the page to keep its space."""
        if not self.width or not self.height:
            return None
        return fitted_size(self.width, self.height, THUMB_LONGEST_SIDE)
