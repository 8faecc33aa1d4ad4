"""Day one: the import records each car's last service and fills in owners' birthdays."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import ServiceRecord, Vehicle
from portal.imports.models import ImportBatch
from tests.imports.conftest import csv_bytes, dms_row, planned, preview_csv, vin_for


def _apply(client, batch: ImportBatch) -> None:
    response = client.post(f"/admin/imports/{batch.id}/apply")
    assert response.status_code == 303
    db.session.expire_all()


def _visits() -> list[tuple[str, date, int | None, bool]]:
    statement = (
        select(Vehicle.vin, ServiceRecord.performed_on, ServiceRecord.miles)
        .join(ServiceRecord.vehicle)
        .order_by(Vehicle.vin, ServiceRecord.performed_on)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def _owner(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_last_service_is_recorded_once_and_a_reimport_adds_nothing(client, as_admin):
    rows = [
        dms_row(1, last_service_date="2025-06-14", last_service_miles="18,250"),
        dms_row(2, last_service_date="03/02/2025"),
        dms_row(3),
    ]
    data = csv_bytes(rows)
    batch = preview_csv(client, data)
    assert batch.summary["services_recorded"] == 2
    page = client.get(f"/admin/imports/{batch.id}").get_data(True)
    assert "Last service 2025-06-14 at 18,250 miles added to its history" in page
    assert "2 past service visits go into the cars' service histories" in page
    _apply(client, batch)
    assert _visits() == [
        (vin_for(1), date(2025, 6, 14), 18250),
        (vin_for(2), date(2025, 3, 2), None),
    ]
    record = db.session.scalar(select(ServiceRecord).limit(1))
    assert record.at_dealership and "dealership's records" in record.work_done
    assert batch.result["services_recorded"] == 2

    again = preview_csv(client, data)
    assert again.summary["unchanged"] == 3 and again.summary["services_recorded"] == 0
    assert [entry["service_action"] for entry in planned(again)] == ["on_file", "on_file", None]
    _apply(client, again)
    assert len(_visits()) == 2


def test_an_existing_car_gains_its_visit_unless_one_that_day_is_on_file(
    client, as_admin, make_owner, make_vehicle, add_service
):
    owner = make_owner(email="dana1@example.com", phone="+12025550001")
    on_file = make_vehicle(owner, vin=vin_for(1), model="Civic", year=2023)
    add_service(on_file, on=date(2025, 6, 14), miles=18_000)
    make_vehicle(owner, vin=vin_for(2), model="Civic", year=2023)
    rows = [
        dms_row(1, email="dana1@example.com", last_service_date="2025-06-14"),
        dms_row(2, email="dana1@example.com", last_service_date="2025-07-01"),
    ]
    batch = preview_csv(
        client,
        csv_bytes(
            rows,
            header=(
                "email",
                "first_name",
                "last_name",
                "vin",
                "make",
                "model",
                "year",
                "last_service_date",
            ),
        ),
    )
    plan = planned(batch)
    assert [entry["service_action"] for entry in plan] == ["on_file", "create"]
    assert [entry["outcome"] for entry in plan] == ["unchanged", "update"]
    _apply(client, batch)
    assert _visits() == [
        (vin_for(1), date(2025, 6, 14), 18_000),
        (vin_for(2), date(2025, 7, 1), None),
    ]


def test_a_visit_recorded_between_preview_and_apply_is_not_added_twice(
    client, as_admin, make_owner, make_vehicle, add_service
):
    owner = make_owner(email="dana1@example.com", phone="+12025550001")
    car = make_vehicle(owner, vin=vin_for(1), model="Civic", year=2023)
    batch = preview_csv(
        client,
        csv_bytes(
            [dms_row(1, email="dana1@example.com", last_service_date="2025-06-14")],
            header=(
                "email",
                "first_name",
                "last_name",
                "vin",
                "make",
                "model",
                "year",
                "last_service_date",
            ),
        ),
    )
    add_service(car, on=date(2025, 6, 14), miles=18_000)
    _apply(client, batch)
    assert _visits() == [(vin_for(1), date(2025, 6, 14), 18_000)]
    assert batch.result["services_recorded"] == 0 and batch.result["skipped"] == 0


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"last_service_date": "2025-02-30"}, "last_service_date “2025-02-30” is not a date"),
        ({"last_service_date": "2099-01-01"}, "last_service_date is in the future"),
        (
            {"last_service_date": "2019-05-01", "year": "2023"},
            "last_service_date 2019-05-01 is before the car was built (2023)",
        ),
        ({"last_service_date": "2025-06-14", "last_service_miles": "-120"}, "below zero"),
        (
            {"last_service_date": "2025-06-14", "last_service_miles": "3,000,000"},
            "last_service_miles 3,000,000 is more than 2,000,000 miles",
        ),
        ({"last_service_date": "2025-06-14", "last_service_miles": "lots"}, "not a whole number"),
        ({"last_service_miles": "18000"}, "last_service_miles needs the visit's last_service_date"),
        (
            {"last_service_date": "2025-06-14", "last_service_miles": "9", "odometer": "12"},
            "last_service_miles 9 is below the 12 miles at purchase",
        ),
        ({"birthday": "1980-13-01"}, "birthday “1980-13-01” is not a date"),
        ({"birthday": "2099-01-01"}, "birthday is in the future"),
        ({"birthday": "2020-01-01"}, "would make the owner"),
        ({"birthday": "1850-01-01"}, "birthday 1850-01-01 is more than 120 years ago"),
    ],
)
def test_impossible_history_or_birthday_rejects_the_row_with_a_reason(
    client, as_admin, cells, reason
):
    batch = preview_csv(client, csv_bytes([dms_row(1), dms_row(2, **cells)]))
    good, bad = planned(batch)
    assert good["outcome"] == "create"
    assert bad["outcome"] == "rejected"
    assert any(reason in error for error in bad["errors"]), bad["errors"]
    page = client.get(f"/admin/imports/{batch.id}?show=rejected")
    assert page.status_code == 200 and "Row" in page.get_data(True)


def test_a_service_before_purchase_may_be_at_lower_miles(client, as_admin):
    row = dms_row(
        1,
        purchase_date="2024-02-01",
        odometer="30,000",
        last_service_date="2023-11-20",
        last_service_miles="28,500",
    )
    batch = preview_csv(client, csv_bytes([row]))
    assert planned(batch)[0]["errors"] == []


def test_a_new_owner_gets_the_birthday_but_no_birthday_messages_without_consent(client, as_admin):
    batch = preview_csv(client, csv_bytes([dms_row(1, birthday="07/04/1986")]))
    assert batch.summary["birthdays_added"] == 1
    _apply(client, batch)
    dana = _owner("dana1@example.com")
    assert dana.birthday == date(1986, 7, 4) and dana.birthday_messages is False
    assert batch.result["birthdays_added"] == 1


def test_an_owners_own_birthday_is_kept_and_an_empty_one_filled_in(client, as_admin, make_owner):
    make_owner(email="dana1@example.com", phone="+12025550001", birthday=date(1990, 1, 2))
    make_owner(email="dana2@example.com", phone="+12025550002", birthday=None)
    rows = [dms_row(1, birthday="1985-05-05"), dms_row(2, birthday="1985-05-05")]
    batch = preview_csv(client, csv_bytes(rows))
    kept, filled = planned(batch)
    assert kept["owner_action"] == "unchanged"
    assert filled["owner_action"] == "update"
    assert filled["owner_changes"] == {"birthday": [None, "1985-05-05"]}
    page = client.get(f"/admin/imports/{batch.id}?show=all").get_data(True)
    assert "birthday added" in page
    _apply(client, batch)
    assert _owner("dana1@example.com").birthday == date(1990, 1, 2)
    assert _owner("dana2@example.com").birthday == date(1985, 5, 5)
    assert batch.result["birthdays_added"] == 1 and batch.result["owners_updated"] == 1


def test_a_birthday_the_owner_gives_after_the_preview_is_not_overwritten(
    client, as_admin, make_owner
):
    make_owner(email="dana1@example.com", phone="+12025550001", birthday=None)
    batch = preview_csv(client, csv_bytes([dms_row(1, birthday="1985-05-05")]))
    dana = _owner("dana1@example.com")
    dana.birthday = date(1979, 9, 9)
    db.session.commit()
    _apply(client, batch)
    assert _owner("dana1@example.com").birthday == date(1979, 9, 9)
    assert batch.result["birthdays_added"] == 0


def test_an_owners_birthday_from_a_later_chunk_reaches_their_first_row(
    client, as_admin, make_owner, monkeypatch
):
    from portal.imports.services import planning

    monkeypatch.setattr(planning, "PLAN_CHUNK", 3)
    make_owner(email="dana1@example.com", phone="+12025550001", birthday=None)
    rows = [dms_row(1), *(dms_row(n) for n in range(2, 6))]
    rows.append(dms_row(6, email="dana1@example.com", birthday="1985-05-05"))
    rows.append(dms_row(7, email="dana1@example.com", birthday="1970-01-01"))
    batch = preview_csv(client, csv_bytes(rows))
    plan = planned(batch)
    assert plan[0]["owner_action"] == "update"
    assert plan[0]["owner_changes"] == {"birthday": [None, "1985-05-05"]}
    assert plan[0]["outcome"] == "create"  # their car is new; their birthday comes later
    assert plan[5]["birthday"] is None
    assert "birthday differs from row 2; 1985-05-05 is used" in plan[6]["warnings"]
    assert batch.summary["birthdays_added"] == 1 and batch.summary["owners_updated"] == 1
    _apply(client, batch)
    assert _owner("dana1@example.com").birthday == date(1985, 5, 5)


def test_the_sample_file_shows_the_new_columns(client, as_admin):
    sample = client.get("/admin/imports/sample.csv").get_data(True)
    assert sample.splitlines()[0].endswith("last_service_date,last_service_miles,birthday")
    page = client.get("/admin/imports").get_data(True)
    assert "last_service_miles" in page and "never replaces theirs" in page
    batch = preview_csv(client, sample.encode())
    assert batch.summary["rejected"] == 0 and batch.summary["services_recorded"] == 2
    _apply(client, batch)
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 2
    assert _owner("priya.patel@example.com").birthday == date(1986, 7, 4)
    assert clock.now().date() > date(2025, 9, 12)
