"""Day one: a thousand cars with purchase dates and no service history meet `flask notify run`.

No service reminders, at most one "tell us about your car" per owner; once their services are
on file, exactly the messages the rules (as `flask reminders due` lists them) call for.
"""

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import ServiceRecord, Vehicle
from portal.notifications.models import DeliveryStatus, Notification

pytestmark = pytest.mark.slow  # a thousand cars through the real run

AS_OF = date(2026, 11, 20)
CARS = 1000
OWNERS = 400


def _fleet_without_history() -> list[tuple[int, int, date]]:
    """Owners and cars in bulk, as an import would leave them: (car id, owner id, bought)."""
    rng = random.Random(12)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    first_user = (db.session.scalar(select(User.id).order_by(User.id.desc())) or 0) + 1
    db.session.execute(
        insert(User),
        [
            {
                "id": first_user + number,
                "email": f"day-one-{number}@example.com",
                "password_hash": "scrypt:not-used",
                "name": f"Day One{number}",
                "preferred_channel": "email",
                "consent_service": True,
                "role": "owner",
                "created_at": now,
                "updated_at": now,
            }
            for number in range(OWNERS)
        ],
    )
    cars = []
    for number in range(CARS):
        bought = AS_OF - timedelta(days=rng.randint(20, 2500))
        cars.append(
            {
                "id": 10_000 + number,
                "owner_id": first_user + number % OWNERS,
                "vin": f"DAYONE{number:011d}",
                "make": "Honda",
                "model": "Accord",
                "year": 2020,
                "purchase_date": bought,
                "purchase_odometer": rng.choice([None, rng.randint(5, 40_000)]),
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Vehicle), cars)
    db.session.commit()
    return [(car["id"], car["owner_id"], car["purchase_date"]) for car in cars]


def _run(runner, day: date) -> None:
    result = runner.invoke(args=["notify", "run", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output


def _listing(runner, day: date) -> list[dict]:
    result = runner.invoke(args=["reminders", "due", "--json", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _messages() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_a_thousand_cars_without_history_get_no_service_reminders_and_one_welcome_each(
    runner, outbox
):
    cars = _fleet_without_history()
    listing = _listing(runner, AS_OF)
    asked = {item["owner_email"] for item in listing if item["asks_last_service"]}
    # The rules still date each car's service from its purchase; the listing says we ask.
    assert {item["kind"] for item in listing if item["asks_last_service"]} == {"service"}
    assert len(asked) > OWNERS // 2

    _run(runner, AS_OF)
    _run(runner, AS_OF + timedelta(days=1))

    messages = _messages()
    assert not [m for m in messages if m.key.startswith(("reminder:service", "winback:"))]
    welcomes = Counter(m.user_id for m in messages if m.key.startswith("tell-us:"))
    assert welcomes and max(welcomes.values()) == 1
    assert {m.user.email for m in messages if m.key.startswith("tell-us:")} == asked
    emails = outbox()
    assert len(emails) == len(welcomes)
    assert all(email["Subject"].startswith("Day, tell us about your") for email in emails)
    # Nobody hears the word "overdue" on day one.
    assert not [
        email for email in emails if "overdue" in email.get_body(("plain",)).get_content().lower()
    ]
    assert len(cars) == CARS


def test_with_services_on_file_it_sends_exactly_what_the_rules_list(runner, outbox):
    cars = _fleet_without_history()
    _run(runner, AS_OF)
    rng = random.Random(5)
    db.session.execute(
        insert(ServiceRecord),
        [
            {
                "vehicle_id": car_id,
                "performed_on": max(bought, AS_OF - timedelta(days=rng.randint(0, 900))),
                "miles": None,
                "work_done": "Oil and filter",
                "at_dealership": True,
            }
            for car_id, _, bought in cars
        ],
    )
    db.session.commit()
    day = AS_OF + timedelta(days=1)
    listing = _listing(runner, day)
    assert not [item for item in listing if item["asks_last_service"]]

    _run(runner, day)

    expected = set()
    for item in listing:
        if item["kind"] != "service":
            continue
        due_on = date.fromisoformat(item["due_on"])
        # Overdue by more than a whole interval (six months): one win-back instead.
        if day > due_on + relativedelta(months=6):
            expected.add(f"winback:{item['key']}")
        else:
            expected.add(f"reminder:{item['key']}:{item['status']}")
    # The visits of the last week are asked how they went; that is not the reminder rules'.
    sent = {m.key for m in _messages() if not m.key.startswith(("tell-us:", "feedback:"))}
    assert sent == expected
    assert any(key.startswith("winback:") for key in expected)
    assert any(key.endswith(":due_soon") for key in expected)
    # The inbox has every one; email only within each owner's weekly budget.
    by_owner = Counter(
        m.user_id
        for m in _messages()
        if m.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.FAILED)
        and m.budgeted
    )
    assert max(by_owner.values()) <= 2
    assert len(outbox()) == sum(by_owner.values())
