"""Owners' vehicles, their odometer readings, service history and protection products."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk


class RetiredReason(StrEnum):
    """Why a car left the owner's garage (it stays in their history)."""

    SOLD = "sold"
    TRANSFERRED = "transferred"


def car_label(nickname: str | None, year: int, make: str, model: str) -> str:
    """How the portal names a car: its nickname, or year, make and model (`Vehicle.label`,
    for reads that take a car's columns rather than the car)."""
    return nickname or f"{year} {make} {model}"


class Vehicle(IdMixin, TimestampMixin, db.Model):
    """A car an owner has (or had) registered."""

    __tablename__ = "vehicles"
    __table_args__ = (
        # One active registration per VIN; retired rows keep the history.
        Index(
            "uq_vehicles_active_vin",
            "vin",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    owner_id: Mapped[int] = user_fk(index=True)
    #: 17 characters, upper case.
    vin: Mapped[str] = mapped_column(String(17))
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    trim: Mapped[str | None] = mapped_column(String(60))
    year: Mapped[int]
    colour: Mapped[str | None] = mapped_column(String(40))
    nickname: Mapped[str | None] = mapped_column(String(40))
    purchase_date: Mapped[date | None]
    #: Miles on the clock when the owner bought it.
    purchase_odometer: Mapped[int | None]
    warranty_end_date: Mapped[date | None]
    warranty_miles: Mapped[int | None]
    retired_at: Mapped[datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(String(16))

    owner: Mapped[User] = relationship()
    odometer_readings: Mapped[list["OdometerReading"]] = relationship(
        back_populates="vehicle",
        cascade="all, delete-orphan",
        order_by="OdometerReading.read_on",
    )
    service_records: Mapped[list["ServiceRecord"]] = relationship(
        back_populates="vehicle",
        cascade="all, delete-orphan",
        order_by="ServiceRecord.performed_on",
    )
    protection_products: Mapped[list["ProtectionProduct"]] = relationship(
        back_populates="vehicle", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    @property
    def label(self) -> str:
        """How the portal names the car: its nickname, or year, make and model."""
        return car_label(self.nickname, self.year, self.make, self.model)


class OdometerReading(IdMixin, db.Model):
    """Miles on a date, as the owner or the workshop read them."""

    __tablename__ = "odometer_readings"
    __table_args__ = (Index("ix_odometer_readings_vehicle_read_on", "vehicle_id", "read_on"),)

    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    read_on: Mapped[date]
    miles: Mapped[int]

    vehicle: Mapped[Vehicle] = relationship(back_populates="odometer_readings")


class ServiceRecord(IdMixin, db.Model):
    """A visit to a workshop: when, at what mileage, what was done, and where."""

    __tablename__ = "service_records"
    __table_args__ = (Index("ix_service_records_vehicle_performed", "vehicle_id", "performed_on"),)

    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    performed_on: Mapped[date]
    miles: Mapped[int | None]
    work_done: Mapped[str] = mapped_column(Text)
    at_dealership: Mapped[bool] = mapped_column(default=True)
    #: Set when this visit carried out a recall campaign.
    recall_code: Mapped[str | None] = mapped_column(String(40))
    #: The member of staff who looked after the visit (the service advisor), when known.
    advisor_id: Mapped[int | None] = optional_user_fk()

    vehicle: Mapped[Vehicle] = relationship(back_populates="service_records")
    advisor: Mapped[User | None] = relationship()


class ProtectionProduct(IdMixin, db.Model):
    """An extended warranty, tyre-and-wheel cover or similar, ending on a date or mileage."""

    __tablename__ = "protection_products"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str | None] = mapped_column(String(100))
    ends_on: Mapped[date | None]
    ends_at_miles: Mapped[int | None]

    vehicle: Mapped[Vehicle] = relationship(back_populates="protection_products")
