"""One owner's loader gives the rules exactly the facts the whole fleet's loader gives them.

The owner's pages load one owner's history as rows and sum it up in Python; `flask reminders
due` and the messages let the database aggregate over the fleet. Both must agree on every
fact (readings, last service, closed recalls, cover, advice, birthdays, snoozes), or an
owner's page would disagree with what they are sent.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import clock
from portal.dealership.queries import dealership_zone
from portal.extensions import db
from portal.garage.models import ProtectionProduct
from portal.reminders.models import AdvisedWork, RecallCampaign, ReminderState, SeasonalCampaign
from portal.reminders.queries.fleet import load_fleet
from portal.reminders.queries.owner import load_owner_fleet
from portal.reminders.queries.pages import owner_reminders

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
TODAY = date(2025, 11, 20)
ZONE = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _fleet_for(fleet, owner_id: int, state_keys: set[str]):
    """The whole fleet's facts about one owner, in the owner loader's shape."""
    return (
        [car for car in fleet.cars if car.owner_id == owner_id],
        {key: info for key, info in fleet.owners.items() if key == owner_id},
        [person for person in fleet.birthdays if person.id == owner_id],
        {key: value for key, value in fleet.states.items() if key in state_keys},
        fleet.seasonal,
        fleet.recalls,
    )


@pytest.fixture
def garage(make_owner, make_vehicle, add_reading, add_service):
    """Owners with every kind of history, and a few campaigns."""
    keen = make_owner(
        name="Ada Keen", display_name="Ada", birthday=date(1980, 11, 24), birthday_messages=True
    )
    quiet = make_owner(name="Bo Quiet", birthday=date(1975, 1, 2), birthday_messages=False)
    gone = make_owner(name="Cy Gone", deactivated_at=NOW - timedelta(days=3))
    busy = make_vehicle(keen, purchase_date=date(2021, 6, 1), warranty_miles=36000)
    add_reading(busy, date(2022, 1, 5), 12000)
    add_reading(busy, date(2025, 8, 1), 41000)
    add_service(busy, date(2024, 2, 10), miles=30500)
    add_service(busy, date(2025, 3, 3), miles=None)  # same day twice: the later entry wins
    add_service(busy, date(2025, 3, 3), miles=36010, recall_code="rc-17a")
    add_service(busy, date(2023, 5, 1), miles=21000, recall_code="RC-09")
    make_vehicle(keen, nickname="Runabout", purchase_date=date(2025, 10, 1))
    retired = make_vehicle(keen, retired_at=NOW - timedelta(days=40))
    add_reading(retired, date(2025, 1, 1), 5000)
    only_services = make_vehicle(quiet, model="Accord", purchase_date=None)
    add_service(only_services, date(2025, 6, 30), miles=None)
    add_service(only_services, date(2024, 12, 1), miles=15000)
    make_vehicle(gone)
    db.session.add_all(
        [
            ProtectionProduct(vehicle_id=busy.id, name="Tyres", ends_at_miles=60000),
            ProtectionProduct(vehicle_id=busy.id, name="Paint", ends_on=date(2026, 1, 2)),
            AdvisedWork(
                vehicle_id=busy.id, what="Brake pads", due_miles=45000, advised_on=date(2025, 3, 3)
            ),
            AdvisedWork(
                vehicle_id=only_services.id,
                what="Wipers",
                due_on=date(2025, 12, 1),
                advised_on=date(2025, 6, 30),
            ),
            SeasonalCampaign(
                name="Winter tyres", start_month=11, start_day=1, end_month=2, end_day=28
            ),
            SeasonalCampaign(
                name="Paused", start_month=1, start_day=1, end_month=12, end_day=31, active=False
            ),
            RecallCampaign(
                code="RC-17A",
                title="Airbag",
                make="Honda",
                model="Civic",
                year_from=2020,
                year_to=2023,
                issued_on=date(2025, 1, 1),
            ),
            ReminderState(user_id=keen.id, key="anniversary:x", snoozed_until=date(2025, 12, 1)),
            ReminderState(user_id=quiet.id, key="service:y", done_on=date(2025, 11, 1)),
        ]
    )
    db.session.commit()
    return keen, quiet, gone


def test_one_owners_loader_agrees_with_the_fleets(garage):
    whole = load_fleet(db.session, TODAY, ZONE)
    assert whole.cars and whole.recalls and whole.seasonal
    for person in garage:
        state_keys = {
            state.key for state in db.session.query(ReminderState).filter_by(user_id=person.id)
        }
        mine = load_owner_fleet(db.session, TODAY, ZONE, person)
        assert (
            mine.cars,
            mine.owners,
            mine.birthdays,
            mine.states,
            mine.seasonal,
            mine.recalls,
        ) == _fleet_for(whole, person.id, state_keys), person.name
        assert mine.settings == whole.settings
        assert [(r.key, r.status, r.due_on) for r in mine.reminders()] == [
            (r.key, r.status, r.due_on) for r in whole.reminders() if r.owner_id == person.id
        ]


def test_the_facts_compared_are_the_ones_the_history_gives(garage):
    keen, quiet, _ = garage
    busy, runabout = load_owner_fleet(db.session, TODAY, ZONE, keen).cars
    assert busy.first_reading == (date(2022, 1, 5), 12000)
    assert busy.last_reading == (date(2025, 8, 1), 41000)
    assert busy.last_service == (date(2025, 3, 3), 36010)
    assert busy.closed_recalls == {"RC-17A", "RC-09"}
    assert [p.name for p in busy.products] == ["Tyres", "Paint"]
    assert runabout.label == "Runabout" and runabout.last_reading is None
    (accord,) = load_owner_fleet(db.session, TODAY, ZONE, quiet).cars
    assert accord.last_service == (date(2025, 6, 30), None)
    assert accord.first_reading == accord.last_reading == (date(2024, 12, 1), 15000)


def test_campaigns_come_back_as_the_rules_that_match_them(garage):
    fleet = load_owner_fleet(db.session, TODAY, ZONE, garage[0])
    (winter,) = fleet.seasonal  # the paused one left out
    assert (winter.name, winter.advice, winter.start, winter.end, winter.make) == (
        "Winter tyres",
        "",
        (11, 1),
        (2, 28),
        None,
    )
    (airbag,) = fleet.recalls
    assert (airbag.code, airbag.title, airbag.remedy, airbag.make, airbag.model) == (
        "RC-17A",
        "Airbag",
        "",
        "Honda",
        "Civic",
    )
    assert (airbag.year_from, airbag.year_to, airbag.issued_on) == (2020, 2023, date(2025, 1, 1))


def test_an_owners_reminders_and_their_open_visits_take_one_statement(garage, count_queries):
    keen = garage[0]
    db.session.refresh(keen)  # as a page has its signed-in owner loaded already
    dealership_zone(db.session)  # settings are read once a transaction, by whoever asks first
    with count_queries() as section:
        owner_reminders(db.session, keen, TODAY)
    with count_queries() as page:
        owner_reminders(db.session, keen, TODAY, with_visits=True)
    assert len(section) == 1, "\n".join(section)
    assert len(page) == 1, "\n".join(page)
