"""`flask reminders due`: the JSON listing over the fleet, on both databases."""

import json
from datetime import UTC, date, datetime

from portal import clock
from portal.extensions import db
from portal.reminders.models import RecallCampaign, ReminderState, SeasonalCampaign


def due(runner, *args):
    result = runner.invoke(args=["reminders", "due", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_lists_overdue_and_due_soon_with_the_contract_fields(
    runner, make_owner, make_vehicle, add_service
):
    sam = make_owner(email="sam@example.com", birthday=date(1980, 11, 20), birthday_messages=True)
    civic = make_vehicle(sam, purchase_date=date(2025, 1, 10), purchase_odometer=None)
    add_service(civic, date(2025, 5, 1))
    db.session.add(
        RecallCampaign(
            code="24V-318",
            title="Seat belt buckle",
            make="HONDA",
            model="civic",
            year_from=2020,
            year_to=2023,
            issued_on=date(2025, 9, 1),
        )
    )
    db.session.commit()

    listing = due(runner, "--as-of", "2025-11-15")

    assert listing == sorted(listing, key=lambda item: (item["due_on"], item["key"]))
    by_kind = {item["kind"]: item for item in listing}
    assert set(by_kind) == {"service", "recall", "birthday"}
    assert by_kind["service"] == {
        "owner_email": "sam@example.com",
        "vin": civic.vin,
        "kind": "service",
        "due_on": "2025-11-01",
        "status": "overdue",
        "key": f"service:vehicle-{civic.id}:2025-05-01",
        "asks_last_service": False,
    }
    assert by_kind["recall"]["status"] == "overdue"
    assert by_kind["birthday"] == {
        "owner_email": "sam@example.com",
        "vin": None,
        "kind": "birthday",
        "due_on": "2025-11-20",
        "status": "due_soon",
        "key": f"birthday:owner-{sam.id}:2025",
        "asks_last_service": False,
    }


def test_all_adds_upcoming_reminders(runner, make_owner, make_vehicle):
    owner = make_owner()
    make_vehicle(owner, purchase_date=date(2025, 1, 10), warranty_end_date=date(2027, 1, 10))
    assert due(runner, "--as-of", "2025-02-01") == []
    kinds = {item["kind"]: item["status"] for item in due(runner, "--as-of", "2025-02-01", "--all")}
    assert kinds == {"service": "upcoming", "warranty": "upcoming", "anniversary": "upcoming"}


def test_sold_cars_and_deactivated_owners_get_nothing(runner, make_owner, make_vehicle):
    seller = make_owner()
    make_vehicle(
        seller,
        purchase_date=date(2025, 1, 10),
        retired_at=datetime(2025, 6, 1, 12, tzinfo=UTC),
        retired_reason="sold",
    )
    gone = make_owner(deactivated_at=datetime(2025, 1, 1, tzinfo=UTC))
    make_vehicle(gone)
    assert due(runner, "--as-of", "2025-11-01", "--all") == []
    # Before the sale the car was still the seller's.
    assert {item["kind"] for item in due(runner, "--as-of", "2025-05-30")} == {"service"}


def test_seasonal_campaign_and_done_state(runner, make_owner, make_vehicle):
    owner = make_owner()
    car = make_vehicle(owner, make="Volvo", model="XC60")
    db.session.add_all(
        [
            SeasonalCampaign(
                name="Winter tyres", start_month=10, start_day=15, end_month=11, end_day=30
            ),
            SeasonalCampaign(
                name="Volvo clinic",
                start_month=10,
                start_day=1,
                end_month=10,
                end_day=31,
                make="BMW",
            ),
        ]
    )
    db.session.commit()
    seasonal = [i for i in due(runner, "--as-of", "2025-10-20") if i["kind"] == "seasonal"]
    assert [(i["due_on"], i["status"]) for i in seasonal] == [("2025-11-30", "due_soon")]
    db.session.add(
        ReminderState(user_id=owner.id, key=seasonal[0]["key"], done_on=date(2025, 10, 21))
    )
    db.session.commit()
    assert not [i for i in due(runner, "--as-of", "2025-10-22") if i["kind"] == "seasonal"]
    assert car.vin


def test_without_as_of_today_is_the_dealership_date_even_across_dst(
    runner, make_owner, make_vehicle
):
    owner = make_owner()
    # Time-only service due Sun 8 Mar 2026, the day New York clocks go forward.
    make_vehicle(owner, purchase_date=date(2025, 9, 8), purchase_odometer=None)
    # 03:30 UTC on 9 March is still 23:30 EDT on 8 March in New York: due today, not overdue.
    with clock.frozen(datetime(2026, 3, 9, 3, 30, tzinfo=UTC)):
        assert [i["status"] for i in due(runner)] == ["due_soon"]
    # 04:30 UTC on 9 March is 00:30 EDT on 9 March: the day after, so overdue.
    with clock.frozen(datetime(2026, 3, 9, 4, 30, tzinfo=UTC)):
        assert [i["status"] for i in due(runner)] == ["overdue"]


def test_a_car_sold_late_evening_local_time_is_retired_from_that_local_date(
    runner, make_owner, make_vehicle
):
    owner = make_owner()
    # 02:30 UTC on 8 March 2026 is 21:30 on 7 March in New York.
    make_vehicle(
        owner,
        purchase_date=date(2025, 9, 8),
        purchase_odometer=None,
        retired_at=datetime(2026, 3, 8, 2, 30, tzinfo=UTC),
    )
    assert due(runner, "--as-of", "2026-03-06") != []
    assert due(runner, "--as-of", "2026-03-07", "--all") == []


def test_a_car_without_service_history_is_listed_as_asking_the_owner(
    runner, make_owner, make_vehicle, add_service
):
    owner = make_owner(email="ada@example.com")
    unknown = make_vehicle(owner, purchase_date=date(2020, 6, 1), purchase_odometer=None)
    known = make_vehicle(owner, purchase_date=date(2020, 6, 1), purchase_odometer=None)
    add_service(known, date(2025, 5, 1))
    listing = {item["key"]: item for item in due(runner, "--as-of", "2025-11-15")}
    asked = listing[f"service:vehicle-{unknown.id}:2020-06-01"]
    # Dated from the purchase as before, and flagged: the owner is asked, not reminded.
    assert (asked["due_on"], asked["status"], asked["asks_last_service"]) == (
        "2020-12-01",
        "overdue",
        True,
    )
    assert listing[f"service:vehicle-{known.id}:2025-05-01"]["asks_last_service"] is False
    text = runner.invoke(args=["reminders", "due", "--as-of", "2025-11-15"]).output
    [asked_line] = [line for line in text.splitlines() if "2020-06-01" in line]
    assert asked_line.endswith("(no service on file: asking the owner)")
