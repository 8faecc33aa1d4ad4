"""My reminders, its cards and the answers to their actions are the markup the templates gave
(kept in `snapshots/`), for a garage with every kind of card: overdue, due soon, later,
snoozed, a service asked for, recalls, warranties, cover, campaigns, advised work, anniversaries,
a birthday, an open visit request, miles unknown, estimated or read today; an empty garage; the
answers to snooze, unsnooze, done, a visit request, a last service and the miles (with htmx and
without, valid and not); the page under a mount point; and the home page's section.

Whitespace runs count as one space; ids and the CSRF token are named rather than numbered. To
take them again (after a deliberate change of markup):
`PORTAL_UPDATE_SNAPSHOTS=1 pytest <this file>`.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from portal import clock
from portal.extensions import db
from portal.garage.models import ProtectionProduct
from portal.reminders.models import (
    AdvisedWork,
    RecallCampaign,
    ReminderState,
    SeasonalCampaign,
    ServiceVisitRequest,
)
from portal.reminders.queries.pages import owner_reminders
from portal.reminders.views import dom_id
from tests.snapshots import matches_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
HTMX = {"HX-Request": "true"}
#: 20 Nov 2025, mid-afternoon in New York.
NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
MOUNTED = "http://localhost/owners"


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def garage(make_owner, make_vehicle, add_service, add_reading, login):
    """An owner with four cars and a birthday coming: the ids the markup shows by what they
    are ({kind: {id: name}}), the cars by name, and the owner."""
    owner = make_owner(
        name='Sam <O\'Kafor> & "Co"', birthday=date(1980, 11, 24), birthday_messages=True
    )
    civic = make_vehicle(
        owner,
        nickname='Blue <Civic> & "Co"',
        purchase_date=date(2024, 1, 5),
        warranty_end_date=date(2025, 12, 31),
    )
    add_service(civic, date(2025, 5, 1), miles=9000)  # overdue
    add_reading(civic, date(2025, 8, 1), 11500)  # miles a day from its readings
    unknown = make_vehicle(  # no service on file, no miles known
        owner, make="Mazda", model="MX-5", year=2021, purchase_date=date(2024, 3, 2)
    )
    unknown.purchase_odometer = None
    told = make_vehicle(owner, nickname="Family Jazz", purchase_date=date(2022, 11, 28))
    add_service(told, date(2025, 6, 10), miles=20000)  # due soon, snoozed below
    add_reading(told, date(2025, 11, 20), 24100)  # read today
    later = make_vehicle(  # its miles a day are the dealership's default
        owner, nickname="Weekend <b>car</b>", purchase_date=date(2025, 9, 1), purchase_odometer=None
    )
    bare = make_vehicle(  # nothing known, nothing due
        owner, nickname="Barn find", make="Ford", model="Model A", year=1931, purchase_odometer=None
    )
    add_service(later, date(2025, 10, 1), miles=1200)  # later
    paint = ProtectionProduct(vehicle_id=civic.id, name="Paint & <care>", ends_on=date(2026, 1, 1))
    tyres = ProtectionProduct(vehicle_id=later.id, name="Tyres", ends_at_miles=40000)
    brakes = AdvisedWork(
        vehicle_id=civic.id,
        what="Brake pads: 3 mm <left> & worn",
        due_on=date(2026, 3, 1),
        advised_on=date(2025, 5, 1),
    )
    wipers = AdvisedWork(
        vehicle_id=told.id, what="Wipers", due_on=date(2025, 12, 1), advised_on=date(2025, 6, 10)
    )
    winter = SeasonalCampaign(
        name="Winter <tyres>",
        advice="Swap to winter tyres & check the battery.",
        start_month=10,
        start_day=15,
        end_month=11,
        end_day=30,
        make="honda",
    )
    recall = RecallCampaign(
        code="24v-318",
        title="Seat belt <latch>",
        remedy="Replace the latch & bolt.",
        make="honda",
        model="CIVIC",
        year_from=2020,
        year_to=2024,
        issued_on=date(2025, 10, 1),
    )
    db.session.add_all([paint, tyres, brakes, wipers, winter, recall])
    db.session.flush()
    snoozed = f"service:vehicle-{told.id}:2025-06-10"
    db.session.add(ReminderState(user_id=owner.id, key=snoozed, snoozed_until=date(2025, 12, 4)))
    civic_service = f"service:vehicle-{civic.id}:2025-05-01"
    db.session.add(
        ServiceVisitRequest(
            user_id=owner.id,
            vehicle_id=civic.id,
            reminder_key=civic_service,
            topic="Service due",
            preferred_day=date(2025, 11, 26),
            time_window="afternoon",
        )
    )
    db.session.commit()
    login(owner)
    return {
        "ids": {
            "car": {
                civic.id: "civic",
                unknown.id: "mx5",
                told.id: "jazz",
                later.id: "weekend",
                bare.id: "barn",
            },
            "product": {paint.id: "paint", tyres.id: "tyres"},
            "advised": {brakes.id: "brakes", wipers.id: "wipers"},
            "campaign": {winter.id: "winter"},
            "owner": {owner.id: "owner"},
        },
        "owner": owner,
        "cars": {
            "civic": civic.id,
            "mx5": unknown.id,
            "jazz": told.id,
            "weekend": later.id,
            "barn": bare.id,
        },
    }


def _named(html: str, ids: dict) -> str:
    """The markup with whitespace runs as one space, and ids and the CSRF token named."""
    html = re.sub(r"\s+", " ", html).strip()
    html = re.sub(r'(csrf_token"(?: type="hidden")? value=")[^"]+"', r'\1TOKEN"', html)
    prefixes = {
        "car": r"vehicle-|car-|/cars/|car=",
        "product": r"product-",
        "advised": r"advised:|advised-",
        "campaign": r"campaign-",
        "owner": r"owner-",
    }
    for kind, prefix in prefixes.items():
        html = re.sub(
            rf"({prefix})(\d+)\b",
            lambda found, kind=kind: found.group(1) + ids[kind].get(int(found.group(2)), "?"),
            html,
        )
    return html


def _main(html: str) -> str:
    return html.split('<main id="main" class="wrap">', 1)[1].split("</main>", 1)[0]


def _home_section(html: str) -> str:
    start = html.index('<section class="card reminders-home"')
    return html[start : html.index("</section>", start) + len("</section>")]


def _matches_snapshot(name: str, markup: str) -> None:
    matches_snapshot(SNAPSHOTS, name, markup)


def _key(garage: dict, kind: str, car: str | None) -> str:
    """The owner's reminder of this kind on this car (None: their own)."""
    page = owner_reminders(db.session, garage["owner"], NOW.date())
    vehicle_id = garage["cars"][car] if car else None
    return next(
        reminder.key
        for reminder in page.all()
        if reminder.kind == kind and reminder.vehicle_id == vehicle_id
    )


def test_the_garage_page_is_the_templates(client, garage):
    _matches_snapshot("page_garage", _named(_main(client.get("/reminders").text), garage["ids"]))


def test_the_page_under_a_mount_point_is_the_templates(client, garage):
    page = client.get("/reminders", base_url=MOUNTED)
    assert page.status_code == 200
    _matches_snapshot("page_mounted", _named(_main(page.text), garage["ids"]))


def test_the_home_section_is_the_templates(client, garage):
    _matches_snapshot("home_garage", _named(_home_section(client.get("/").text), garage["ids"]))


def test_an_empty_garage_is_the_templates(client, make_owner, login):
    login(make_owner(name="Noa Carless"))
    _matches_snapshot("page_empty", _named(_main(client.get("/reminders").text), {}))
    _matches_snapshot("home_empty", _named(_home_section(client.get("/").text), {}))


def test_one_car_is_the_templates(client, make_owner, make_vehicle, add_service, login):
    owner = make_owner(name="Sam Okafor")
    car = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2024, 1, 5))
    add_service(car, date(2025, 5, 1), miles=9000)
    login(owner)
    ids = {"car": {car.id: "civic"}, "owner": {owner.id: "owner"}}
    _matches_snapshot("page_one_car", _named(_main(client.get("/reminders").text), ids))
    _matches_snapshot("home_one_car", _named(_home_section(client.get("/").text), ids))


#: (snapshot, reminder kind, car, action, its fields by name after the form's prefix, htmx,
#: the status expected).
REMINDER_ACTIONS = [
    ("snooze", "service", "civic", "snooze", {"days": "7"}, True, 200),
    ("snooze_seasonal", "seasonal", "weekend", "snooze", {"days": "30"}, True, 200),
    ("unsnooze", "service", "jazz", "unsnooze", {}, True, 200),
    ("done_advised", "advised", "jazz", "done", {}, True, 200),
    ("done_service", "service", "civic", "done", {"miles": "12500"}, True, 200),
    ("done_recall", "recall", "civic", "done", {}, True, 200),
    ("done_birthday", "birthday", None, "done", {}, True, 200),
    (
        "visit_sent",
        "recall",
        "civic",
        "visit",
        {"preferred_day": "2025-11-25", "time_window": "midday", "note": "Squeaky <brakes>"},
        True,
        200,
    ),
    ("visit_refused", "warranty", "civic", "visit", {"preferred_day": "2025-11-20"}, True, 422),
    ("visit_refused_page", "advised", "civic", "visit", {"note": "x"}, False, 422),
    (
        "last_service_saved",
        "service",
        "mx5",
        "last-service",
        {"performed_on": "2025-08-01", "miles": "8000"},
        True,
        200,
    ),
    ("last_service_refused", "service", "mx5", "last-service", {"miles": "-4"}, True, 422),
    ("last_service_refused_page", "service", "mx5", "last-service", {}, False, 422),
]

#: How each action names its form's prefix after the reminder's id.
FORM_SUFFIX = {"snooze": "snooze", "done": "done", "visit": "visit", "last-service": "last"}


@pytest.mark.parametrize(
    ("snapshot", "kind", "car", "action", "fields", "htmx", "status"), REMINDER_ACTIONS
)
def test_a_reminders_action_answers_with_the_templates_markup(
    client, garage, snapshot, kind, car, action, fields, htmx, status
):
    key = _key(garage, kind, car)
    prefix = f"{dom_id(key)}-{FORM_SUFFIX.get(action, action)}"
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    answer = client.post(f"/reminders/{key}/{action}", data=data, headers=HTMX if htmx else {})
    assert answer.status_code == status, answer.text
    markup = answer.text if htmx else _main(answer.text)
    _matches_snapshot(f"action_{snapshot}", _named(markup, garage["ids"]))


@pytest.mark.parametrize(
    ("snapshot", "miles", "htmx", "status"),
    [
        ("miles_saved", "26000", True, 200),
        ("miles_refused", "-5", True, 422),
        ("miles_refused_page", "", False, 422),
    ],
)
def test_a_cars_miles_answer_with_the_templates_markup(
    client, garage, snapshot, miles, htmx, status
):
    car_id = garage["cars"]["civic"]
    answer = client.post(
        f"/reminders/cars/{car_id}/miles",
        data={f"car-{car_id}-miles-miles": miles},
        headers=HTMX if htmx else {},
    )
    assert answer.status_code == status, answer.text
    markup = answer.text if htmx else _main(answer.text)
    _matches_snapshot(f"action_{snapshot}", _named(markup, garage["ids"]))


def test_a_mounted_action_answers_with_the_templates_markup(client, garage):
    key = _key(garage, "service", "civic")
    answer = client.post(
        f"/reminders/{key}/snooze",
        data={f"{dom_id(key)}-snooze-days": "7"},
        headers=HTMX,
        base_url=MOUNTED,
    )
    assert answer.status_code == 200
    _matches_snapshot("action_snooze_mounted", _named(answer.text, garage["ids"]))
