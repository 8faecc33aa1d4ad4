"""The hot owner pages: statements built once and reused stay scoped to the owner asking,
and each page runs as many statements for a long history as for a short one."""

from datetime import date, timedelta

import pytest

from portal.events.models import Audience
from portal.extensions import db
from portal.garage.models import ProtectionProduct
from portal.reminders.models import AdvisedWork, ReminderState


def _statements(client, count_queries, path: str) -> int:
    client.get(path)
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_statements_built_once_show_each_owner_their_own_data(
    client, login, make_owner, make_vehicle, give_points, make_event, rsvp_as, make_notification
):
    alpha, bravo = make_owner(name="Alpha Owner"), make_owner(name="Bravo Owner")
    make_vehicle(alpha, nickname="Alpha's Civic")
    make_vehicle(bravo, nickname="Bravo's Civic")
    give_points(alpha, 120)
    give_points(bravo, 7)
    rsvp_as(alpha, make_event(title="Alpha's clinic"))
    rsvp_as(bravo, make_event(title="Bravo's clinic", days=11))
    make_notification(alpha, subject="For Alpha")
    make_notification(bravo, subject="For Bravo")
    for person, mine, theirs in ((alpha, "Alpha", "Bravo"), (bravo, "Bravo", "Alpha")):
        login(person)
        pages = {path: client.get(path).get_data(as_text=True) for path in ("/", "/garage")}
        for path, html in pages.items():
            assert f"{mine}&#39;s Civic" in html and f"{theirs}&#39;s Civic" not in html, path
        assert f"{mine}&#39;s clinic" in pages["/"] and f"{theirs}&#39;s clinic" not in pages["/"]
        inbox = client.get("/inbox").get_data(as_text=True)
        assert f"For {mine}" in inbox and f"For {theirs}" not in inbox
        rewards = client.get("/rewards").get_data(as_text=True)
        assert ("120" in rewards) == (person is alpha)
        client.post("/logout")


@pytest.mark.parametrize("path", ["/events", "/rewards", "/inbox"])
def test_owner_page_runs_the_same_statements_for_a_short_or_long_history(
    client,
    login,
    make_owner,
    make_event,
    rsvp_as,
    give_points,
    make_redemption,
    make_notification,
    count_queries,
    path,
):
    owner = make_owner()
    login(owner)

    def add(how_many: int, start: int) -> None:
        for number in range(start, start + how_many):
            event = make_event(title=f"Clinic {number}", days=5 + number, audience=Audience.OWNERS)
            rsvp_as(owner, event)
            give_points(owner, 10)
            make_redemption(owner)
            make_notification(owner, subject=f"Note {number}")

    add(1, 0)
    few = _statements(client, count_queries, path)
    add(12, 1)
    assert _statements(client, count_queries, path) == few


@pytest.mark.parametrize(("path", "expected"), [("/", 3), ("/reminders", 2)])
def test_reminder_pages_read_the_reminders_in_one_statement_however_long_the_history(
    client,
    login,
    make_owner,
    make_vehicle,
    add_reading,
    add_service,
    make_visit_request,
    count_queries,
    path,
    expected,
):
    """The owner with the unread count and the settings (every page), then on the home page
    its cars, events, points with referrals and feedback read together; the reminders and, on
    their page, the open visit requests, in one statement for any number of cars and any
    history."""
    owner = make_owner()
    login(owner)

    def add(how_many: int, start: int) -> None:
        for number in range(start, start + how_many):
            car = make_vehicle(owner, purchase_date=date(2023, 1, 1) + timedelta(days=number))
            add_reading(car, date(2024, 1, 1) + timedelta(days=number), 10_000 + number)
            add_service(car, date(2024, 6, 1), miles=15_000 + number, recall_code=f"RC-{number}")
            db.session.add_all(
                [
                    ProtectionProduct(vehicle_id=car.id, name=f"Cover {number}", ends_at_miles=9),
                    AdvisedWork(
                        vehicle_id=car.id, what="Pads", due_miles=1, advised_on=date(2024, 6, 1)
                    ),
                    ReminderState(
                        user_id=owner.id, key=f"advice:{number}", snoozed_until=date(2099, 1, 1)
                    ),
                ]
            )
            db.session.commit()
            make_visit_request(owner, vehicle=car, reminder_key=f"service:{number}")

    add(1, 0)
    few = _statements(client, count_queries, path)
    add(6, 1)
    assert _statements(client, count_queries, path) == few == expected
