"""Garage pages: full pages, htmx fragments, errors next to fields, and owners' privacy."""

import re

import pytest

from portal.extensions import db
from portal.garage.models import OdometerReading, Vehicle

HTMX = {"HX-Request": "true"}


def car_form(vin, **overrides):
    values = {"vin": vin, "model": "Accord", "make": "", "year": ""}
    values.update(overrides)
    return values


def error_next_to(html: str, field_id: str) -> str:
    """The error message rendered in the same field block as the input with this id."""
    field = re.search(rf'<(input|textarea|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert field, f"no field #{field_id}"
    assert 'aria-invalid="true"' in field.group(0)
    described_by = re.search(r'aria-describedby="([^"]*)"', field.group(0)).group(1)
    assert f"{field_id}-error" in described_by.split()
    rest = html[field.end() :].split('<div class="field', 1)[0]
    error = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', rest)
    assert error, f"no error next to #{field_id}"
    return error.group(1)


def test_garage_pages_need_sign_in(client):
    response = client.get("/garage")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_empty_garage_invites_the_owner_to_add_a_car(client, make_owner, login):
    login(make_owner())
    html = client.get("/garage").get_data(as_text=True)
    assert "Your garage is ready for its first car" in html
    assert 'href="/garage/add"' in html


def test_adding_a_car_fills_make_and_year_from_the_vin_and_redirects(
    client, make_owner, login, vin_for
):
    owner = make_owner()
    login(owner)
    response = client.post("/garage/add", data=car_form(vin_for(1).lower()))
    assert response.status_code == 303
    vehicle = db.session.scalars(db.select(Vehicle)).one()
    assert response.headers["Location"] == f"/garage/{vehicle.id}"
    assert (vehicle.vin, vehicle.make, vehicle.year, vehicle.owner_id) == (
        vin_for(1),
        "Honda",
        2022,
        owner.id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2022 Honda Accord is in your garage." in page


def test_checksum_failure_comes_back_422_next_to_the_vin(client, make_owner, login, vin_for):
    login(make_owner())
    good = vin_for(1)
    mistyped = good[:-1] + ("9" if good[-1] != "9" else "8")
    response = client.post("/garage/add", data=car_form(mistyped))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "check digit" in error_next_to(html, "vin")
    assert db.session.scalar(db.select(db.func.count()).select_from(Vehicle)) == 0


def test_vin_of_another_owners_active_car_is_refused_on_the_form(
    client, make_owner, make_vehicle, login, vin_for
):
    make_vehicle(make_owner(), vin=vin_for(5))
    login(make_owner())
    response = client.post("/garage/add", data=car_form(vin_for(5)))
    assert response.status_code == 422
    message = error_next_to(response.get_data(as_text=True), "vin")
    assert "another owner&#39;s active garage" in message


def test_missing_model_is_shown_next_to_the_model_field(client, make_owner, login, vin_for):
    login(make_owner())
    response = client.post("/garage/add", data=car_form(vin_for(1), model=""))
    assert response.status_code == 422
    assert error_next_to(response.get_data(as_text=True), "model")


def test_edit_changes_details(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/edit",
        data=car_form(vehicle.vin, nickname="Blue", make="Honda", year="2022"),
    )
    assert response.status_code == 303
    assert db.session.get(Vehicle, vehicle.id).nickname == "Blue"


def test_odometer_reading_without_javascript_redirects_303(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/odometer",
        data={"odometer-read_on": "2026-01-05", "odometer-miles": "4321"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/garage/{vehicle.id}#odometer"
    page = client.get(f"/garage/{vehicle.id}").get_data(as_text=True)
    assert "Saved 4,321 miles" in page


def test_odometer_reading_with_htmx_returns_the_section_and_the_new_mileage(
    client, make_owner, make_vehicle, login
):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/odometer",
        data={"odometer-read_on": "2026-01-05", "odometer-miles": "4321"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="odometer"')
    assert 'hx-target="this" hx-swap="outerHTML"' in html
    assert "<html" not in html
    assert 'id="car-head" class="car-head" hx-swap-oob="true"' in html
    assert "4,321" in html


def test_lower_odometer_with_htmx_is_422_with_the_error_next_to_miles(
    client, make_owner, make_vehicle, login
):
    owner = make_owner()
    vehicle = make_vehicle(owner, purchase_odometer=9_000)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/odometer",
        data={"odometer-read_on": "2026-01-05", "odometer-miles": "8000"},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="odometer"')
    assert "9,000 miles" in error_next_to(html, "odometer-miles")
    assert 'value="8000"' in html  # what the owner typed stays in the field
    assert db.session.scalar(db.select(db.func.count()).select_from(OdometerReading)) == 0


def test_lower_odometer_without_javascript_rerenders_the_full_page_422(
    client, make_owner, make_vehicle, login
):
    owner = make_owner()
    vehicle = make_vehicle(owner, purchase_odometer=9_000)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/odometer",
        data={"odometer-read_on": "2026-01-05", "odometer-miles": "8000"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert "9,000 miles" in error_next_to(html, "odometer-miles")


def test_missing_miles_is_a_form_error_next_to_the_field(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/odometer",
        data={"odometer-read_on": "2026-01-05", "odometer-miles": ""},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Enter the miles" in error_next_to(response.get_data(as_text=True), "odometer-miles")


def test_service_visit_with_htmx_updates_the_history(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/service",
        data={
            "service-performed_on": "2026-02-01",
            "service-miles": "5000",
            "service-work_done": "Oil and filter change",
            "service-where": "elsewhere",
            "service-recall_code": "",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="service"')
    assert "Oil and filter change" in html
    assert "Elsewhere" in html


def test_protection_product_without_javascript_redirects(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/protection",
        data={"protection-name": "Tyre and wheel", "protection-ends_at_miles": "60000"},
    )
    assert response.status_code == 303
    assert "Tyre and wheel" in client.get(f"/garage/{vehicle.id}").get_data(as_text=True)


def test_retiring_with_htmx_replaces_the_box_and_keeps_the_car_in_past_cars(
    client, make_owner, make_vehicle, login
):
    owner = make_owner()
    vehicle = make_vehicle(owner, nickname="Scout")
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/retire", data={"retire-reason": "sold"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="retire"')
    assert "You sold Scout on" in html
    assert 'id="odometer" class="card"' in html and 'hx-swap-oob="true"' in html
    garage = client.get("/garage").get_data(as_text=True)
    assert "Past cars" in garage and "Scout" in garage
    assert "Your garage is ready for its first car" in garage


def test_retiring_without_a_reason_is_422_next_to_the_choice(
    client, make_owner, make_vehicle, login
):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(f"/garage/{vehicle.id}/retire", data={}, headers=HTMX)
    assert response.status_code == 422
    assert 'id="retire-reason-error"' in response.get_data(as_text=True)
    assert db.session.get(Vehicle, vehicle.id).retired_at is None


def test_retiring_without_javascript_redirects_303(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(f"/garage/{vehicle.id}/retire", data={"retire-reason": "transferred"})
    assert response.status_code == 303
    assert db.session.get(Vehicle, vehicle.id).retired_reason == "transferred"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/garage/{id}", None),
        ("get", "/garage/{id}/edit", None),
        ("post", "/garage/{id}/edit", {"vin": "x", "model": "y"}),
        ("post", "/garage/{id}/odometer", {"odometer-read_on": "2026-01-05", "odometer-miles": 9}),
        ("post", "/garage/{id}/service", {"service-performed_on": "2026-01-05"}),
        ("post", "/garage/{id}/protection", {"protection-name": "Cover"}),
        ("post", "/garage/{id}/retire", {"retire-reason": "sold"}),
    ],
)
def test_another_owners_car_is_404_for_every_garage_url(
    client, make_owner, make_vehicle, login, method, path, data
):
    vehicle = make_vehicle(make_owner())
    login(make_owner())
    response = getattr(client, method)(path.format(id=vehicle.id), data=data)
    assert response.status_code == 404
    assert db.session.get(Vehicle, vehicle.id).retired_at is None


def test_every_garage_url_with_a_car_id_is_covered_by_the_404_test(app):
    covered = {"garage.car", "garage.edit", "garage.add_reading", "garage.add_service"}
    covered |= {"garage.add_protection", "garage.retire"}
    with_id = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "vehicle_id" in rule.arguments and rule.endpoint.startswith("garage.")
    }
    assert with_id == covered


def test_csrf_token_is_required_for_garage_posts(client, make_owner, make_vehicle, login):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    login(owner)
    response = client.post(
        f"/garage/{vehicle.id}/retire", data={"retire-reason": "sold"}, csrf=False
    )
    assert response.status_code == 400


def test_home_page_shows_active_cars_with_mileage(client, make_owner, make_vehicle, login):
    owner = make_owner()
    make_vehicle(owner, nickname="Daisy", purchase_odometer=12_345)
    login(owner)
    html = client.get("/").get_data(as_text=True)
    assert "Daisy" in html and "12,345 miles" in html
    assert 'href="/garage"' in html  # the nav link


def test_home_page_has_a_warm_empty_state(client, make_owner, login):
    login(make_owner())
    html = client.get("/").get_data(as_text=True)
    assert "Your garage is ready for its first car." in html
    assert 'href="/garage/add"' in html


def test_garage_page_responses_vary_on_hx_request(client, make_owner, login):
    login(make_owner())
    assert "HX-Request" in client.get("/garage").headers["Vary"]
