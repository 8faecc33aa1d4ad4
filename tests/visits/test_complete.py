"""Completing a visit: once only, advice as reminders, recalls closed, points, isolation."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.errors import ServiceError
from portal.extensions import db
from portal.garage.models import ServiceRecord
from portal.points.models import PointsEntry
from portal.points.queries import points_history
from portal.reminders.models import AdvisedWork, RecallCampaign
from portal.reminders.queries.pages import owner_reminders
from portal.reminders.services import mark_done, snooze
from portal.visits.media import Upload
from portal.visits.models import Visit, VisitMedia
from portal.visits.services import (
    AdviceInput,
    LineInput,
    MediaStore,
    VisitDetails,
    complete_visit,
)
from tests.visits.files import jpeg_with_gps

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 3)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def golf(make_owner, make_vehicle):
    owner = make_owner(name="Priya Shah")
    return make_vehicle(owner, make="Volkswagen", model="Golf", year=2021)


def complete(car, advisor, key="form:first-submission-0001", **details):
    return complete_visit(
        db.session,
        vehicle=car,
        advisor=advisor,
        details=VisitDetails(**({"summary": "Annual service"} | details)),
        key=key,
        now=NOW,
        today=TODAY,
    )


def advised(owner) -> list:
    """The owner's reminders about advised work."""
    return [r for r in owner_reminders(db.session, owner, TODAY).all() if r.kind == "advised"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_completing_twice_awards_points_once_and_writes_nothing_twice(golf, coordinator):
    lines = [LineInput("labour", "Annual service", Decimal("1.5"), 8000)]
    first = complete(golf, coordinator, lines=lines)
    db.session.commit()
    again = complete(golf, coordinator, lines=lines)
    db.session.commit()

    assert first.created and not again.created
    assert again.visit.id == first.visit.id
    assert count(Visit) == 1
    assert count(ServiceRecord) == 1
    entries = db.session.scalars(select(PointsEntry)).all()
    assert [(e.points, e.idempotency_key) for e in entries] == [(100, f"visit:{first.visit.id}")]
    assert first.points == again.points == 100


def test_points_line_names_the_car_and_the_day(golf, coordinator):
    complete(golf, coordinator)
    db.session.commit()
    (line,) = points_history(db.session, golf.owner_id)
    assert line.reason == "Service visit for your Golf"
    assert line.created_at == NOW  # shown under it as the day of the visit


def test_points_per_dollar_follow_the_setting(golf, coordinator):
    from portal.dealership.services import write_settings

    write_settings(db.session, {"visits.points_per_visit": 10, "visits.points_per_dollar": 2})
    lines = [
        LineInput("labour", "Brake pads fitted", Decimal("1.5"), 8000),  # $120
        LineInput("part", "Brake pads", Decimal(1), 4550),  # $45.50
    ]
    done = complete(golf, coordinator, lines=lines)
    assert done.points == 10 + 2 * 165


def test_a_recommendation_becomes_a_reminder_due_on_its_own_date(golf, coordinator):
    advice = [AdviceInput("Replace the rear tyres", due_on=date(2026, 9, 1))]
    complete(golf, coordinator, recommendations=advice)
    db.session.commit()

    (tyres,) = advised(golf.owner)
    assert tyres.due_on == date(2026, 9, 1)
    assert tyres.what == "Replace the rear tyres"
    assert tyres.vehicle_id == golf.id


def test_a_recommendation_by_miles_is_due_when_the_car_should_reach_them(golf, coordinator):
    # 1,000 miles at the visit; at the default 33 miles a day, 4,300 more take 131 days.
    advice = [AdviceInput("Timing belt", due_miles=5300)]
    complete(golf, coordinator, mileage=1000, recommendations=advice)
    db.session.commit()
    (belt,) = advised(golf.owner)
    assert belt.due_on == date(2026, 7, 12)


def test_the_advice_reminder_can_be_snoozed_and_marked_done(golf, coordinator):
    complete(golf, coordinator, recommendations=[AdviceInput("Wiper blades", date(2026, 3, 20))])
    db.session.commit()
    (advised,) = [
        r for r in owner_reminders(db.session, golf.owner, TODAY).all() if r.kind == "advised"
    ]
    assert snooze(db.session, golf.owner, advised, 7, TODAY) == date(2026, 3, 10)
    assert mark_done(db.session, golf.owner, advised, TODAY) is False  # not a service record
    db.session.commit()
    left = owner_reminders(db.session, golf.owner, TODAY).all()
    assert not [r for r in left if r.kind == "advised"]


def test_the_due_command_lists_the_advice(runner, golf, coordinator):
    import json

    complete(golf, coordinator, recommendations=[AdviceInput("Wiper blades", date(2026, 3, 20))])
    db.session.commit()
    result = runner.invoke(args=["reminders", "due", "--json", "--as-of", "2026-03-05"])
    listing = json.loads(result.output)
    (advised,) = [item for item in listing if item["kind"] == "advised"]
    assert advised["due_on"] == "2026-03-20"
    assert advised["status"] == "due_soon"


@pytest.fixture
def seat_belt_recall():
    recall = RecallCampaign(
        code="24V-318",
        title="Seat belt buckle",
        make="volkswagen",
        model="GOLF",
        year_from=2020,
        year_to=2023,
        issued_on=date(2026, 1, 10),
    )
    db.session.add(recall)
    db.session.commit()
    return recall


def test_a_recall_closed_by_the_visit_leaves_the_owners_reminders(
    golf, coordinator, seat_belt_recall
):
    before = owner_reminders(db.session, golf.owner, TODAY).all()
    assert [r.key for r in before if r.kind == "recall"] == [f"recall:24V-318:vehicle-{golf.id}"]

    complete(golf, coordinator, recall_code="24v-318")
    db.session.commit()

    after = owner_reminders(db.session, golf.owner, TODAY).all()
    assert not [r for r in after if r.kind == "recall"]
    record = db.session.scalars(select(ServiceRecord)).one()
    assert record.recall_code == "24V-318" and record.at_dealership


def test_only_an_open_recall_of_the_car_can_be_closed(golf, coordinator, seat_belt_recall):
    with pytest.raises(ServiceError, match="open recalls"):
        complete(golf, coordinator, recall_code="99X-000")


def test_another_owners_car_is_untouched(golf, coordinator, make_owner, make_vehicle):
    other = make_vehicle(make_owner(), model="Polo")
    complete(golf, coordinator, recommendations=[AdviceInput("Tyres", date(2026, 9, 1))])
    db.session.commit()

    assert advised(other.owner) == []
    assert db.session.scalar(select(func.count()).where(ServiceRecord.vehicle_id == other.id)) == 0
    assert points_history(db.session, other.owner_id) == []
    assert db.session.scalars(select(AdvisedWork.vehicle_id)).all() == [golf.id]


def test_a_double_submit_stores_the_photo_once(golf, coordinator, tmp_path):
    store = MediaStore(tmp_path / "media", 5 << 20, 5 << 20)
    for _ in range(2):
        complete_visit(
            db.session,
            vehicle=golf,
            advisor=coordinator,
            details=VisitDetails(summary="Brakes checked"),
            key="form:same-token-000000001",
            now=NOW,
            today=TODAY,
            uploads=[Upload("pads.jpg", "image/jpeg", BytesIO(jpeg_with_gps()), "Brake pads")],
            store=store,
        )
        db.session.commit()
    assert count(VisitMedia) == 1
    assert len(list((tmp_path / "media").iterdir())) == 2  # the photo and its thumbnail


def test_the_service_reminder_counts_from_the_visit(golf, coordinator):
    complete(golf, coordinator, mileage=18200)
    db.session.commit()
    mine = owner_reminders(db.session, golf.owner, TODAY).all()
    (service,) = [r for r in mine if r.kind == "service"]
    assert service.key == f"service:vehicle-{golf.id}:2026-03-03"
    # 5,000 miles on from 18,200 at the assumed 33 miles a day: before six months are up.
    assert service.due_on == date(2026, 8, 2)
