"""Demo service lane: a working week of windows, a closed day, and a few owners booked in."""

from datetime import time, timedelta

from sqlalchemy import select

from portal import clock
from portal.accounts.demo import DemoData
from portal.dealership.queries import today_at_dealership
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.servicelane import services
from portal.servicelane.models import Handover, ServiceClosure, ServiceWindow, WorkKind
from portal.servicelane.queries import owner_openings

#: (first hour, last hour, cars) for each weekday's windows; Saturday mornings are shorter.
WEEKDAY_WINDOWS = [(8, 10, 3), (10, 12, 3), (13, 15, 2), (15, 17, 2)]
SATURDAY_WINDOWS = [(9, 12, 2)]


def _windows() -> list[ServiceWindow]:
    rows = []
    for weekday in range(6):
        for first, last, cars in SATURDAY_WINDOWS if weekday == 5 else WEEKDAY_WINDOWS:
            rows.append(
                ServiceWindow(
                    weekday=weekday, starts_at=time(first), ends_at=time(last), capacity=cars
                )
            )
    return rows


def seed_service_lane(data: DemoData) -> None:
    """Windows Monday to Saturday, a closed day in three weeks, and four owners booked in."""
    db.session.add_all(_windows())
    today = today_at_dealership(db.session)
    db.session.add(
        ServiceClosure(day=today + timedelta(days=21), capacity=None, note="Staff training day")
    )
    db.session.flush()
    now = clock.now()
    handovers = list(Handover)
    for index, owner in enumerate(data.owners[:4]):
        car = db.session.scalar(
            select(Vehicle).where(Vehicle.owner_id == owner.id).order_by(Vehicle.id).limit(1)
        )
        free = [o for day in owner_openings(db.session, owner, today, now) for o in day.free]
        if car is None or len(free) <= index * 3:
            continue
        slot = free[index * 3]
        services.book(
            db.session,
            owner=owner,
            vehicle=car,
            day=slot.day,
            starts_at=slot.starts_at,
            work=services.Work(WorkKind.SERVICE, "Its regular service"),
            handover=handovers[index % len(handovers)],
            note="",
            now=now,
        )
