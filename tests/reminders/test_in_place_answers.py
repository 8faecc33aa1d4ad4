"""My reminders: "update the miles" and "when was its last service?", answered in place.

Each redraws the car's card for htmx and posts and redirects back without JavaScript; a bad
answer is explained next to its field and changes nothing.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.garage.models import OdometerReading, ServiceRecord
from portal.reminders.views import dom_id

#: 20 Nov 2025, mid-afternoon in New York.
NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def accord(make_owner, make_vehicle, login):
    """Sam's Accord, bought in 2022 at 12 miles; never serviced or read since, as imported."""
    owner = make_owner(name="Sam Okafor")
    car = make_vehicle(
        owner, nickname="Accord", purchase_date=date(2022, 3, 3), purchase_odometer=12
    )
    login(owner)
    return owner, car


def ask_key(car) -> str:
    return f"service:vehicle-{car.id}:2022-03-03"


def count(model, car) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.vehicle_id == car.id)
    )


def test_a_car_without_history_asks_instead_of_alarming_and_marks_its_miles_an_estimate(
    client, accord
):
    _, car = accord
    page = client.get("/reminders").get_data(as_text=True)
    assert "When was its last service?" in page
    assert "Service overdue" not in page and ">Overdue<" not in page
    assert "We have no service on file since you bought it on Thu 3 Mar 2022" in page
    # 12 miles and 33 a day since 3 Mar 2022: a guess, and it says so.
    assert "our estimate</strong>, from 12 miles on" in page
    assert "Update the miles" in page
    home = client.get("/").get_data(as_text=True)
    assert "Tell us" in home and "tag-danger" not in home


def test_update_the_miles_with_htmx_redraws_the_car_with_the_reading(client, accord):
    _, car = accord
    response = client.post(
        f"/reminders/cars/{car.id}/miles", data={f"car-{car.id}-miles-miles": "31250"}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and f'id="car-{car.id}"' in body
    assert "31,250 miles, as you told us today." in body
    assert "our estimate" not in body
    reading = db.session.scalar(select(OdometerReading).where(OdometerReading.vehicle_id == car.id))
    assert (reading.read_on, reading.miles) == (date(2025, 11, 20), 31250)


def test_update_the_miles_without_javascript_posts_and_comes_back(client, accord):
    _, car = accord
    response = client.post(
        f"/reminders/cars/{car.id}/miles", data={f"car-{car.id}-miles-miles": "31250"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/reminders#car-{car.id}")
    assert "31,250 miles noted for the Accord" in client.get("/reminders").get_data(as_text=True)


@pytest.mark.parametrize(
    ("miles", "error"),
    [("", "Tell us the miles."), ("-4", "Number must be between"), ("lots", "Not a valid")],
)
def test_bad_miles_are_explained_next_to_the_field_and_change_nothing(client, accord, miles, error):
    _, car = accord
    field = f"car-{car.id}-miles-miles"
    for headers in (HTMX, {}):
        response = client.post(
            f"/reminders/cars/{car.id}/miles", data={field: miles}, headers=headers
        )
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert f'id="{field}-error"' in body and error in body
    assert count(OdometerReading, car) == 0


def test_miles_below_what_we_know_are_refused_next_to_the_field(client, accord, add_reading):
    _, car = accord
    add_reading(car, on=date(2025, 6, 1), miles=20_000)
    field = f"car-{car.id}-miles-miles"
    response = client.post(f"/reminders/cars/{car.id}/miles", data={field: "19000"}, headers=HTMX)
    assert response.status_code == 422
    assert "lower than the 20,000 miles" in response.get_data(as_text=True)
    assert count(OdometerReading, car) == 1


def test_last_service_with_htmx_records_it_and_the_car_gets_a_real_reminder(client, accord):
    _, car = accord
    prefix = f"{dom_id(ask_key(car))}-last"
    response = client.post(
        f"/reminders/{ask_key(car)}/last-service",
        data={f"{prefix}-performed_on": "2025-09-14", f"{prefix}-miles": "30100"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and f'id="car-{car.id}"' in body
    assert "When was its last service?" not in body
    assert "since its last service on Sun 14 Sep 2025" in body
    # The page's count of things to look at is redrawn with it (out of band).
    assert 'id="reminder-summary" hx-swap-oob="true"' in body
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.vehicle_id == car.id))
    assert (record.performed_on, record.miles, record.at_dealership) == (
        date(2025, 9, 14),
        30100,
        False,
    )


def test_last_service_without_javascript_posts_and_comes_back(client, accord):
    _, car = accord
    prefix = f"{dom_id(ask_key(car))}-last"
    response = client.post(
        f"/reminders/{ask_key(car)}/last-service", data={f"{prefix}-performed_on": "2025-09-14"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/reminders#car-{car.id}")
    page = client.get("/reminders").get_data(as_text=True)
    assert "next service from that visit" in page
    assert count(ServiceRecord, car) == 1


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"performed_on": ""}, "performed_on", "Tell us roughly when."),
        ({"performed_on": "2025-12-01"}, "performed_on", "be dated in the future"),
        ({"performed_on": "2025-09-14", "miles": "-1"}, "miles", "Number must be between"),
    ],
)
def test_a_bad_last_service_is_explained_next_to_its_field(client, accord, values, field, error):
    _, car = accord
    prefix = f"{dom_id(ask_key(car))}-last"
    data = {f"{prefix}-{name}": value for name, value in values.items()}
    for headers in (HTMX, {}):
        response = client.post(
            f"/reminders/{ask_key(car)}/last-service", data=data, headers=headers
        )
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert f'id="{prefix}-{field}-error"' in body and error in body
    assert count(ServiceRecord, car) == 0


def test_only_a_car_without_history_is_asked_and_only_its_owner_answers(
    client, accord, make_owner, make_vehicle, add_service
):
    _, car = accord
    other = make_vehicle(make_owner(), purchase_date=date(2022, 3, 3))
    other_key = f"service:vehicle-{other.id}:2022-03-03"
    assert client.post(f"/reminders/{other_key}/last-service").status_code == 404
    assert client.post(f"/reminders/cars/{other.id}/miles").status_code == 404
    add_service(car, date(2025, 9, 14))
    known = f"service:vehicle-{car.id}:2025-09-14"
    assert client.post(f"/reminders/{known}/last-service").status_code == 404


def test_miles_for_a_car_off_the_page_answer_the_page_not_an_error(client, accord, make_vehicle):
    """A car of the owner's that the page does not show (sold, here) has no card to redraw:
    an htmx answer gets what a browser without JavaScript gets."""
    owner, _ = accord
    sold = make_vehicle(owner, nickname="Old Civic", retired_at=datetime(2025, 6, 1, tzinfo=UTC))
    field = f"car-{sold.id}-miles-miles"

    refused = client.post(f"/reminders/cars/{sold.id}/miles", data={field: "lots"}, headers=HTMX)
    assert refused.status_code == 422
    assert "<h1" in refused.get_data(as_text=True)  # the whole page
    assert count(OdometerReading, sold) == 0

    # A reading for a car no longer owned is refused by the service, on the page too.
    refused = client.post(f"/reminders/cars/{sold.id}/miles", data={field: "90000"}, headers=HTMX)
    assert refused.status_code == 422 and "<h1" in refused.get_data(as_text=True)
    assert count(OdometerReading, sold) == 0
