"""The home page's pressing reminders: the same list, in the same order, as the reminders
page's `pressing`, though built without the page's groups."""

from datetime import date

import pytest

from portal.dealership.queries import dealership_zone
from portal.extensions import db
from portal.garage.models import ProtectionProduct
from portal.reminders.models import RecallCampaign, ReminderState
from portal.reminders.queries.pages import home_reminders, owner_reminders

TODAY = date(2025, 11, 20)


def _both(owner) -> tuple[list, list]:
    """(home's list, the reminders page's pressing), each as (key, car id or None)."""
    zone = dealership_zone(db.session)
    home = home_reminders(db.session, owner, TODAY, zone)
    page = owner_reminders(db.session, owner, TODAY).pressing(1000)
    return (
        [(reminder.key, car.id if car else None) for reminder, car in home],
        [(reminder.key, group.car.id if group.car else None) for reminder, group in page],
    )


@pytest.fixture
def recall(app):
    """A recall (overdue since October) covering every 2020-2024 Honda Civic."""
    db.session.add(
        RecallCampaign(
            code="24V-318",
            title="Seat belt",
            make="Honda",
            model="Civic",
            year_from=2020,
            year_to=2024,
            issued_on=date(2025, 10, 1),
        )
    )
    db.session.commit()


def test_ties_snoozes_and_the_owners_own_come_in_the_pages_order(
    app, make_owner, make_vehicle, add_service, recall
):
    owner = make_owner(birthday=date(1980, 11, 25), birthday_messages=True)
    # Four Civics share the recall's date: the tie goes by each car's most urgent reminder.
    quiet = make_vehicle(owner, nickname="Quiet", purchase_date=date(2025, 9, 1))
    overdue = make_vehicle(owner, nickname="Overdue", purchase_date=date(2024, 1, 5))
    add_service(overdue, date(2025, 3, 1), miles=9000)
    snoozed = make_vehicle(owner, nickname="Snoozed", purchase_date=date(2024, 1, 5))
    add_service(snoozed, date(2025, 2, 1), miles=9000)
    done = make_vehicle(owner, nickname="Done", purchase_date=date(2024, 1, 5))
    add_service(done, date(2025, 1, 1), miles=9000)
    other = make_vehicle(owner, make="Mazda", model="MX-5", purchase_date=date(2024, 1, 5))
    add_service(other, date(2025, 3, 1), miles=9000)  # the same day as Overdue's
    db.session.add_all(
        [
            ProtectionProduct(vehicle_id=quiet.id, name="Paint care", ends_on=date(2025, 12, 1)),
            ReminderState(
                user_id=owner.id,
                key=f"service:vehicle-{snoozed.id}:2025-02-01",
                snoozed_until=date(2025, 12, 1),
            ),
            ReminderState(
                user_id=owner.id,
                key=f"recall:24V-318:vehicle-{done.id}",
                done_on=date(2025, 11, 1),
            ),
        ]
    )
    db.session.commit()
    home, page = _both(owner)
    assert home == page
    assert len(home) >= 6 and (f"birthday:owner-{owner.id}:2025", None) in home
    assert f"service:vehicle-{snoozed.id}:2025-02-01" not in dict(home)
    assert f"recall:24V-318:vehicle-{done.id}" not in dict(home)


def test_an_owner_without_cars_or_a_birthday_has_none(app, make_owner):
    owner = make_owner()
    assert _both(owner) == ([], [])


def test_a_car_with_only_upcoming_reminders_shows_nothing(app, make_owner, make_vehicle):
    owner = make_owner()
    make_vehicle(owner, purchase_date=date(2025, 10, 1), make="Mazda", model="MX-5")
    home, page = _both(owner)
    assert home == page == []
