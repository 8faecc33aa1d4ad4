"""Reads for visits: a car's open recalls, a car's visit stories, one file for its viewer."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import User
from portal.garage.models import ServiceRecord, Vehicle
from portal.reminders.campaigns import recall_matches
from portal.reminders.models import RecallCampaign
from portal.servicelane.models import BookingStatus, ServiceBooking
from portal.servicelane.queries import booking_by_id
from portal.visits.models import Recommendation, Visit, VisitMedia


def open_recalls(session: Session, vehicle: Vehicle, today: date) -> list[RecallCampaign]:
    """The active recalls issued by today that cover the car and no service record closed."""
    closed = select(func.upper(ServiceRecord.recall_code)).where(
        ServiceRecord.vehicle_id == vehicle.id, ServiceRecord.recall_code.is_not(None)
    )
    candidates = session.scalars(
        select(RecallCampaign)
        .where(
            RecallCampaign.active.is_(True),
            RecallCampaign.issued_on <= today,
            func.lower(RecallCampaign.make) == vehicle.make.lower(),
            func.lower(RecallCampaign.model) == vehicle.model.lower(),
            func.upper(RecallCampaign.code).not_in(closed),
        )
        .order_by(RecallCampaign.code)
    )
    return [c for c in candidates if recall_matches(c, vehicle.make, vehicle.model, vehicle.year)]


def car_visits(session: Session, vehicle_id: int) -> list[Visit]:
    """A car's completed visits, newest first, with lines, advice and media (four queries)."""
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.vehicle_id == vehicle_id)
            .order_by(Visit.completed_at.desc(), Visit.id.desc())
            .options(
                selectinload(Visit.lines),
                selectinload(Visit.recommendations).selectinload(Recommendation.advice),
                selectinload(Visit.media),
                selectinload(Visit.advisor),
            )
        )
    )


def media_for_viewer(session: Session, media_id: int, viewer: User) -> VisitMedia | None:
    """A visit's file if the viewer may see it (the car's owner, or staff), else None."""
    statement = select(VisitMedia).join(Visit).where(VisitMedia.id == media_id)
    if not viewer.is_staff:
        statement = statement.join(Vehicle, Vehicle.id == Visit.vehicle_id).where(
            Vehicle.owner_id == viewer.id
        )
    return session.scalars(statement).first()


def staff_vehicle(session: Session, vehicle_id: int) -> Vehicle | None:
    """Any car, with its owner, for a member of staff."""
    return session.scalars(
        select(Vehicle).where(Vehicle.id == vehicle_id).options(selectinload(Vehicle.owner))
    ).first()


def find_cars(session: Session, text: str, limit: int = 20) -> list[Vehicle]:
    """Active cars whose VIN, owner's name or email contains `text` (the staff's search)."""
    wanted = text.strip().lower()
    return list(
        session.scalars(
            select(Vehicle)
            .join(User, User.id == Vehicle.owner_id)
            .where(
                Vehicle.retired_at.is_(None),
                func.lower(Vehicle.vin).contains(wanted, autoescape=True)
                | func.lower(User.name).contains(wanted, autoescape=True)
                | func.lower(User.email).contains(wanted, autoescape=True),
            )
            .order_by(User.name, Vehicle.id)
            .limit(limit)
            .options(selectinload(Vehicle.owner))
        )
    )


def recent_visits(session: Session, limit: int = 20) -> list[Visit]:
    """The latest completed visits, for the staff page."""
    return list(
        session.scalars(
            select(Visit)
            .order_by(Visit.completed_at.desc(), Visit.id.desc())
            .limit(limit)
            .options(selectinload(Visit.vehicle), selectinload(Visit.owner))
        )
    )


def visit_for_staff(session: Session, visit_id: int) -> Visit | None:
    """One visit with everything on it, for staff."""
    return session.scalars(
        select(Visit)
        .where(Visit.id == visit_id)
        .options(
            selectinload(Visit.lines),
            selectinload(Visit.recommendations).selectinload(Recommendation.advice),
            selectinload(Visit.media),
            selectinload(Visit.vehicle).selectinload(Vehicle.owner),
        )
    ).first()


def booking_to_write_up(
    session: Session, vehicle: Vehicle, booking_id: int
) -> ServiceBooking | None:
    """The car's lane booking a visit's write-up completes: not one of another car, nor a
    cancelled one."""
    booking = booking_by_id(session, booking_id)
    if booking is None or booking.vehicle_id != vehicle.id:
        return None
    return None if booking.status == BookingStatus.CANCELLED else booking


def visit_for_booking(session: Session, booking_id: int) -> Visit | None:
    """The visit written up for a lane booking, once it is."""
    return session.scalar(select(Visit).where(Visit.booking_id == booking_id))
