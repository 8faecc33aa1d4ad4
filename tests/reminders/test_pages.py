"""My reminders: grouping, urgency, in-place actions with and without htmx, access rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.garage.models import ProtectionProduct, ServiceRecord
from portal.reminders.models import RecallCampaign, ReminderState, ServiceVisitRequest
from portal.reminders.views import dom_id

#: 20 Nov 2025, mid-afternoon in New York.
NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def owner_with_car(make_owner, make_vehicle, add_service, login):
    owner = make_owner(name="Sam Okafor")
    car = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2024, 1, 5))
    add_service(car, date(2025, 5, 1), miles=9000)  # due 1 Nov by time: overdue
    login(owner)
    return owner, car


def service_key(car):
    return f"service:vehicle-{car.id}:2025-05-01"


def test_page_groups_by_car_most_urgent_first_with_what_why_and_what_to_do(
    client, owner_with_car, make_vehicle
):
    owner, overdue_car = owner_with_car
    make_vehicle(
        owner,
        nickname="Weekend Miata",
        make="Mazda",
        model="MX-5",
        purchase_date=date(2025, 9, 1),
        purchase_odometer=10,
    )
    page = client.get("/reminders").get_data(as_text=True)
    assert page.index("Blue Civic") < page.index("Weekend Miata")
    assert "Service overdue" in page and "Why now" in page and "What to do" in page
    assert 'aria-current="page">Reminders' in page


def test_page_runs_the_same_number_of_queries_for_one_car_or_twenty(
    client, owner_with_car, make_vehicle, add_reading, add_service, count_queries
):
    owner, first = owner_with_car
    db.session.add(
        ProtectionProduct(vehicle_id=first.id, name="Paint care", ends_on=date(2026, 1, 1))
    )
    db.session.commit()
    client.get("/reminders")
    with count_queries() as one_car:
        assert client.get("/reminders").status_code == 200
    for number in range(19):
        car = make_vehicle(owner, purchase_date=date(2024, 3, 1) + timedelta(days=number))
        add_reading(car, date(2025, 6, 1), 9000 + number)
        add_service(car, date(2025, 4, 1), miles=8000)
        db.session.add(ProtectionProduct(vehicle_id=car.id, name="Tyres", ends_at_miles=40000))
    db.session.commit()
    with count_queries() as twenty_cars:
        page = client.get("/reminders")
    assert page.get_data(as_text=True).count('class="card reminder-group"') == 20
    assert len(twenty_cars) == len(one_car), "\n".join(twenty_cars)


def test_snooze_with_htmx_returns_the_reminder_redrawn(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(
        f"/reminders/{key}/snooze", data={f"{dom_id(key)}-snooze-days": "7"}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<article") and f'id="{dom_id(key)}"' in body
    assert 'Snoozed until <time datetime="2025-11-27">Thu 27 Nov 2025</time>' in body
    state = db.session.scalar(select(ReminderState).where(ReminderState.key == key))
    assert state.snoozed_until == date(2025, 11, 27)


def test_snooze_without_javascript_redirects_back(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(f"/reminders/{key}/snooze", data={f"{dom_id(key)}-snooze-days": "30"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/reminders#{dom_id(key)}")
    page = client.get("/reminders").get_data(as_text=True)
    assert 'Snoozed until <time datetime="2025-12-20">Sat 20 Dec 2025</time>' in page
    client.post(f"/reminders/{key}/unsnooze")
    assert "Snoozed until" not in client.get("/reminders").get_data(as_text=True)


def test_snooze_accepts_only_seven_or_thirty_days(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(f"/reminders/{key}/snooze", data={f"{dom_id(key)}-snooze-days": "12"})
    assert response.status_code == 400


def test_mark_done_records_a_service_and_starts_the_next_cycle(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(
        f"/reminders/{key}/done", data={f"{dom_id(key)}-done-miles": "12500"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Marked done" in response.get_data(as_text=True)
    records = db.session.scalars(
        select(ServiceRecord).where(ServiceRecord.vehicle_id == car.id).order_by(ServiceRecord.id)
    ).all()
    assert (records[-1].performed_on, records[-1].miles, records[-1].at_dealership) == (
        date(2025, 11, 20),
        12500,
        False,
    )
    page = client.get("/reminders").get_data(as_text=True)
    assert "Service overdue" not in page
    assert f"service:vehicle-{car.id}:2025-11-20" in page or "Later" in page


def test_marking_a_recall_done_closes_it_with_its_code(client, owner_with_car):
    owner, car = owner_with_car
    db.session.add(
        RecallCampaign(
            code="24V-318",
            title="Seat belt",
            make="honda",
            model="CIVIC",
            year_from=2020,
            year_to=2024,
            issued_on=date(2025, 10, 1),
        )
    )
    db.session.commit()
    key = f"recall:24V-318:vehicle-{car.id}"
    assert client.post(f"/reminders/{key}/done").status_code == 303
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.recall_code == "24V-318"))
    assert record.vehicle_id == car.id
    assert "24V-318" not in client.get("/reminders").get_data(as_text=True)


def test_request_a_visit_validates_then_reaches_staff(client, owner_with_car, outbox):
    owner, car = owner_with_car
    key = service_key(car)
    prefix = f"{dom_id(key)}-visit"
    bad = client.post(
        f"/reminders/{key}/visit",
        data={f"{prefix}-preferred_day": "2025-11-20", f"{prefix}-time_window": "morning"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "Choose a day from tomorrow on." in bad.get_data(as_text=True)
    good = client.post(
        f"/reminders/{key}/visit",
        data={
            f"{prefix}-preferred_day": "2025-11-25",
            f"{prefix}-time_window": "afternoon",
            f"{prefix}-note": "Squeaky brakes",
        },
        headers=HTMX,
    )
    assert good.status_code == 200
    assert (
        'Visit requested for <time datetime="2025-11-25">Tue 25 Nov 2025</time>'
        in good.get_data(as_text=True)
    )
    visit = db.session.scalar(select(ServiceVisitRequest))
    assert (visit.vehicle_id, visit.time_window, visit.note) == (
        car.id,
        "afternoon",
        "Squeaky brakes",
    )
    assert [m["Subject"] for m in outbox()] == [
        "We've received your visit request for your Blue Civic"
    ]


def test_visit_request_without_javascript_shows_errors_in_the_page(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(f"/reminders/{key}/visit", data={})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" in body and "Choose a day." in body


def test_another_owners_reminder_is_404(client, owner_with_car, make_owner, make_vehicle):
    stranger = make_owner()
    their_car = make_vehicle(stranger, purchase_date=date(2025, 1, 1))
    key = f"service:vehicle-{their_car.id}:2025-01-01"
    assert (
        client.post(
            f"/reminders/{key}/snooze", data={f"{dom_id(key)}-snooze-days": "7"}
        ).status_code
        == 404
    )
    assert client.post(f"/reminders/{key}/done").status_code == 404
    assert client.post(f"/reminders/{key}/visit", data={}).status_code == 404


def test_actions_need_a_csrf_token(client, owner_with_car):
    owner, car = owner_with_car
    key = service_key(car)
    response = client.post(f"/reminders/{key}/done", csrf=False)
    assert response.status_code == 400


def test_home_shows_the_most_pressing_reminders(client, owner_with_car):
    page = client.get("/").get_data(as_text=True)
    assert "Coming up for your cars" in page and "Service overdue" in page


def test_anonymous_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get("/reminders")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_home_page_runs_the_same_number_of_queries_for_one_car_or_ten(
    client, owner_with_car, make_vehicle, count_queries
):
    owner, _ = owner_with_car
    client.get("/")
    with count_queries() as one_car:
        client.get("/")
    for number in range(9):
        make_vehicle(owner, purchase_date=date(2024, 2, 1) + timedelta(days=number))
    with count_queries() as ten_cars:
        client.get("/")
    assert len(ten_cars) == len(one_car)


def test_marking_a_seasonal_reminder_done_hides_it_for_the_season(client, owner_with_car):
    from portal.reminders.models import SeasonalCampaign

    owner, car = owner_with_car
    db.session.add(
        SeasonalCampaign(
            name="Winter tyres", start_month=10, start_day=15, end_month=11, end_day=30
        )
    )
    db.session.commit()
    campaign_id = db.session.scalar(select(SeasonalCampaign.id))
    key = f"seasonal:campaign-{campaign_id}:vehicle-{car.id}:2025"
    assert "Winter tyres" in client.get("/reminders").get_data(as_text=True)
    assert client.post(f"/reminders/{key}/done").status_code == 303
    assert "Winter tyres" not in client.get("/reminders").get_data(as_text=True)
    assert (
        db.session.scalar(select(ServiceRecord).where(ServiceRecord.work_done.like("%tyres%")))
        is None
    )
