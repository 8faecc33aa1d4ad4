"""Completing a service visit, once: the story, the service history, advice as reminders, the
photos and clips, the closed recall, the owner's points and a note to them."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import read_settings
from portal.errors import ServiceError
from portal.garage.models import ServiceRecord, Vehicle
from portal.notifications.services import Consent, notify
from portal.points.rules import POINTS_DEFAULTS
from portal.points.services import award_points
from portal.reminders.services import advise_work
from portal.visits import media as visit_media
from portal.visits.models import LineKind, Recommendation, Visit, VisitLine, VisitMedia
from portal.visits.queries import open_recalls
from portal.visits.rules import (
    POINTS_PER_DOLLAR,
    POINTS_PER_VISIT,
    PointsSettings,
    points_reason,
    visit_key,
    visit_points,
)


@dataclass(frozen=True)
class LineInput:
    """A line of work as the advisor entered it."""

    kind: str
    description: str
    quantity: Decimal = Decimal(1)
    unit_price_minor: int | None = None


@dataclass(frozen=True)
class AdviceInput:
    """Work advised for later: due by a date and/or a mileage."""

    what: str
    due_on: date | None = None
    due_miles: int | None = None


@dataclass(frozen=True)
class VisitDetails:
    """Everything the advisor tells about a visit besides its files."""

    summary: str = ""
    mileage: int | None = None
    show_prices: bool = False
    recall_code: str | None = None
    lines: Sequence[LineInput] = ()
    recommendations: Sequence[AdviceInput] = ()


@dataclass(frozen=True)
class MediaStore:
    """Where a visit's files go, and how large each may be."""

    folder: Path
    photo_limit: int
    video_limit: int


@dataclass
class Completed:
    """The visit, and whether this call completed it (False: it already was)."""

    visit: Visit
    created: bool
    points: int = 0
    advice_ids: list[int] = field(default_factory=list)


def _check(session: Session, vehicle: Vehicle, details: VisitDetails, today: date) -> None:
    if not vehicle.is_active:
        raise ServiceError(f"{vehicle.label} is no longer in its owner's garage.")
    if not details.summary.strip() and not details.lines:
        raise ServiceError("Say what was done: a summary or at least one line of work.", "summary")
    if details.mileage is not None and details.mileage < 0:
        raise ServiceError("Miles cannot be negative.", "mileage")
    for line in details.lines:
        if line.kind not in set(LineKind):
            raise ServiceError("Each line is labour or a part.")
        if line.quantity <= 0 or (line.unit_price_minor or 0) < 0:
            raise ServiceError("Quantities are above zero and prices not negative.")
    for advice in details.recommendations:
        if advice.due_on is not None and advice.due_on < today:
            raise ServiceError("A recommendation is due from today on.")
    code = (details.recall_code or "").upper()
    if code and code not in {r.code.upper() for r in open_recalls(session, vehicle, today)}:
        raise ServiceError("Choose one of the car's open recalls.", "recall_code")


def _claim(session: Session, values: dict) -> int | None:
    """Insert the visit under its unique key; None when that key was completed before."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Visit)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Visit.id)
    )
    return session.execute(statement).scalar_one_or_none()


def _work_done(details: VisitDetails) -> str:
    """The service history's one line of text: the summary, then the lines of work."""
    described = "; ".join(line.description.strip() for line in details.lines)
    parts = [details.summary.strip(), described]
    return ". ".join(part for part in parts if part)[:4000] or "Service visit"


def points_settings(session: Session) -> PointsSettings:
    """What a visit earns, as the dealership set it."""
    values = read_settings(
        session, {key: POINTS_DEFAULTS[key] for key in (POINTS_PER_VISIT, POINTS_PER_DOLLAR)}
    )
    return PointsSettings(values[POINTS_PER_VISIT], values[POINTS_PER_DOLLAR])


def complete_visit(
    session: Session,
    *,
    vehicle: Vehicle,
    advisor: User | None,
    details: VisitDetails,
    key: str,
    now: datetime,
    today: date,
    uploads: Sequence[visit_media.Upload] = (),
    store: MediaStore | None = None,
    booking_id: int | None = None,
) -> Completed:
    """Complete a visit once under `key` ("form:<token>", "booking:<id>").

    A second call with the same key, however concurrent, changes nothing and returns the
    visit as first completed: no second service record, reminder, file or points line.
    """
    _check(session, vehicle, details, today)
    prepared = (
        [visit_media.prepare_upload(u, store.photo_limit, store.video_limit) for u in uploads]
        if store
        else []
    )
    visit_id = _claim(
        session,
        dict(
            vehicle_id=vehicle.id,
            owner_id=vehicle.owner_id,
            advisor_id=advisor.id if advisor else None,
            completed_at=now,
            completed_on=today,
            mileage=details.mileage,
            summary=details.summary.strip(),
            booking_id=booking_id,
            show_prices=details.show_prices,
            recall_code=(details.recall_code or "").upper() or None,
            idempotency_key=key,
            points=0,
        ),
    )
    if visit_id is None:
        existing = session.scalars(select(Visit).where(Visit.idempotency_key == key)).one()
        return Completed(existing, created=False, points=existing.points)
    visit = session.get(Visit, visit_id)
    done = Completed(visit, created=True)
    for line in details.lines:
        visit.lines.append(VisitLine(**line.__dict__))
    record = ServiceRecord(
        vehicle_id=vehicle.id,
        performed_on=today,
        miles=details.mileage,
        work_done=_work_done(details),
        at_dealership=True,
        recall_code=visit.recall_code,
        advisor_id=advisor.id if advisor else None,
    )
    session.add(record)
    session.flush()
    visit.service_record_id = record.id
    for item in details.recommendations:
        advice = advise_work(
            session,
            vehicle_id=vehicle.id,
            what=item.what,
            due_on=item.due_on,
            due_miles=item.due_miles,
            advised_on=today,
        )
        visit.recommendations.append(Recommendation(advice_id=advice.id))
        done.advice_ids.append(advice.id)
    for item in prepared:
        stored_name, thumb_name = visit_media.store(store.folder, item)
        visit.media.append(
            VisitMedia(
                kind=item.kind,
                stored_name=stored_name,
                thumb_name=thumb_name,
                content_type=item.content_type,
                size_bytes=len(item.data),
                width=item.width,
                height=item.height,
                alt_text=item.alt_text[:200],
            )
        )
    session.flush()
    done.points = _award(session, visit, vehicle, now)
    _tell_owner(session, visit, vehicle, now)
    return done


def _award(session: Session, visit: Visit, vehicle: Vehicle, now: datetime) -> int:
    """The owner's points for the visit, appended to the ledger once under "visit:<id>"."""
    points = visit_points(points_settings(session), visit.total_minor)
    if points <= 0:
        return 0
    car_name = vehicle.nickname or vehicle.model
    if award_points(
        session,
        user_id=visit.owner_id,
        points=points,
        idempotency_key=visit_key(visit.id),
        reason=points_reason(car_name),
        now=now,
    ):
        visit.points = points
    return visit.points


def _tell_owner(session: Session, visit: Visit, vehicle: Vehicle, now: datetime) -> None:
    """A note to the owner that the visit's story is on the car's page (once per visit)."""
    owner = vehicle.owner
    earned = f" It earned you {visit.points:,} points, with thanks." if visit.points else ""
    notify(
        session,
        user=owner,
        key=f"visit-story:{visit.id}",
        kind="visit",
        subject=f"{owner.first_name}, what we did on your {vehicle.label}"[:200],
        body=(
            f"Hello {owner.first_name},\n\nThank you for bringing your {vehicle.label} in. "
            "The work we did, anything we suggest for later and the photos we took are on "
            f"the car's page, so you can see what was done and why.{earned}"
        ),
        now=now,
        consent=Consent.SERVICE,
        action_path=f"/garage/{vehicle.id}#visits",
        action_label="See the visit",
    )
