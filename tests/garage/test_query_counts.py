"""The home and garage pages run a fixed number of SQL statements, however many cars."""

from datetime import date

import pytest

from portal.extensions import db
from portal.garage import services


@pytest.fixture
def garage_of(make_owner, make_vehicle):
    """`garage_of(n)`: an owner with n cars, each with readings, visits and cover."""

    def build(cars: int):
        owner = make_owner()
        for _ in range(cars):
            vehicle = make_vehicle(owner)
            services.record_odometer(db.session, vehicle, date(2026, 1, 2), 4_000, date(2026, 3, 1))
            services.add_service_record(
                db.session,
                vehicle,
                performed_on=date(2026, 1, 2),
                miles=4_000,
                work_done="Oil change",
                at_dealership=True,
                recall_code=None,
                today=date(2026, 3, 1),
            )
            services.add_protection_product(
                db.session, vehicle, name="Tyres", provider=None, ends_on=None, ends_at_miles=None
            )
        db.session.commit()
        return owner

    return build


def statements_for(client, login, count_queries, owner, path: str) -> int:
    login(owner)
    client.get(path)  # warm: the first request after sign-in may load extra state
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    client.post("/logout")
    return len(statements)


@pytest.mark.parametrize("path", ["/", "/garage"])
def test_page_runs_the_same_statements_for_one_car_and_fifteen(
    client, login, count_queries, garage_of, path
):
    one = statements_for(client, login, count_queries, garage_of(1), path)
    fifteen = statements_for(client, login, count_queries, garage_of(15), path)
    assert one == fifteen, f"{path}: {one} statements with 1 car, {fifteen} with 15"


def test_car_page_runs_the_same_statements_however_long_its_history(
    client, login, count_queries, make_owner, make_vehicle
):
    owner = make_owner()
    short, long = make_vehicle(owner), make_vehicle(owner)
    for month in range(1, 13):
        services.record_odometer(
            db.session, long, date(2025, month, 1), 1_000 * month, date(2026, 3, 1)
        )
    db.session.commit()
    login(owner)
    counts = []
    for vehicle in (short, long):
        with count_queries() as statements:
            assert client.get(f"/garage/{vehicle.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
