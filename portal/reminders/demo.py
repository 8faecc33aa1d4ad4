"""Demo reminders: a winter-tyres season and a recall that touches a few demo cars."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.demo import DemoData
from portal.dealership.queries import today_at_dealership
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.reminders.models import RecallCampaign, SeasonalCampaign, ServiceVisitRequest


def seed(data: DemoData) -> None:
    """Winter tyres (15 Oct - 30 Nov), one recall for the commonest model, one visit request."""
    db.session.add(
        SeasonalCampaign(
            name="Winter tyres",
            advice=(
                "Swap to winter tyres before the first frost; we store your summer set free "
                "of charge. Request a visit and we'll fit them while you have a coffee."
            ),
            start_month=10,
            start_day=15,
            end_month=11,
            end_day=30,
        )
    )
    today = today_at_dealership(db.session)
    cars = db.session.scalars(select(Vehicle).where(Vehicle.retired_at.is_(None))).all()
    models = Counter((car.make, car.model) for car in cars)
    make, model = models.most_common(1)[0][0] if models else ("Toyota", "RAV4")
    years = sorted(car.year for car in cars if (car.make, car.model) == (make, model))
    year_from, year_to = (years[0], years[len(years) // 2]) if years else (2019, 2022)
    db.session.add(
        RecallCampaign(
            code="24V-318",
            title="Rear seat belt buckle may not latch",
            remedy=(
                "Our technicians inspect the rear buckles and replace them where needed, free "
                "of charge; it takes about an hour."
            ),
            make=make,
            model=model,
            year_from=year_from,
            year_to=year_to,
            issued_on=today - timedelta(days=12),
        )
    )
    recalled = [c for c in cars if (c.make, c.model) == (make, model) and c.year <= year_to]
    if recalled:
        car = recalled[0]
        db.session.add(
            ServiceVisitRequest(
                user_id=car.owner_id,
                vehicle_id=car.id,
                reminder_key=f"recall:24V-318:vehicle-{car.id}",
                topic=f"Recall 24V-318: Rear seat belt buckle may not latch ({car.label})",
                preferred_day=today + timedelta(days=5),
                time_window="morning",
                note="I can leave the car all day if that helps.",
            )
        )
    db.session.flush()
