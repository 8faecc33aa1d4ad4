"""Demo visit: a first owner's recent service, with its work, a suggestion and a photo."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from portal import clock
from portal.accounts.demo import DemoData
from portal.dealership.queries import today_at_dealership
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.visits.media import Upload
from portal.visits.services import (
    AdviceInput,
    LineInput,
    MediaStore,
    VisitDetails,
    complete_visit,
)


def _demo_photo() -> bytes:
    """A plain picture standing in for a workshop photo."""
    image = Image.new("RGB", (1200, 800), (52, 73, 94))
    ImageDraw.Draw(image).rectangle((300, 250, 900, 550), fill=(189, 195, 199))
    out = BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def seed_visits(data: DemoData) -> None:
    """One completed visit on the first owner's car, twelve days ago."""
    if not data.owners:
        return
    car = db.session.scalar(
        select(Vehicle)
        .where(Vehicle.owner_id == data.owners[0].id, Vehicle.retired_at.is_(None))
        .order_by(Vehicle.id)
    )
    if car is None:
        return
    today = today_at_dealership(db.session)
    config = current_app.config
    complete_visit(
        db.session,
        vehicle=car,
        advisor=data.staff[-1] if data.staff else None,
        details=VisitDetails(
            summary="Annual service. The brakes are fine for now; the rear tyres are wearing "
            "evenly but will want replacing before winter.",
            show_prices=True,
            lines=[
                LineInput("labour", "Annual service", Decimal("1.5"), 8000),
                LineInput("part", "Oil filter", Decimal(1), 1450),
                LineInput("part", "Engine oil (litres)", Decimal("4.5"), 900),
            ],
            recommendations=[AdviceInput("Replace the rear tyres", today + timedelta(days=150))],
        ),
        key="demo:first-visit",
        now=clock.now() - timedelta(days=12),
        today=today - timedelta(days=12),
        uploads=[
            Upload("tyres.jpg", "image/jpeg", BytesIO(_demo_photo()), "The rear tyres' tread")
        ],
        store=MediaStore(
            Path(config["PORTAL_VISIT_MEDIA_FOLDER"]),
            config["PORTAL_VISIT_PHOTO_MAX_BYTES"],
            config["PORTAL_VISIT_VIDEO_MAX_BYTES"],
        ),
    )
