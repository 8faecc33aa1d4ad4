"""Day one through the real import: what `flask notify run` sends the owners a DMS brought in.

A thousand imported cars with purchase dates and no service history bring no service
reminders and at most one "tell us about your car" per owner; with `last_service_date` in
the file, the run sends exactly the service messages `flask reminders due` lists.
"""

import json
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from tests.imports.conftest import csv_bytes, dms_row, preview_csv

pytestmark = pytest.mark.slow  # a thousand cars through the real import

AS_OF = date(2026, 11, 20)
CARS = 1000
OWNERS = 400


def _rows(with_history: bool) -> list[dict]:
    """1,000 cars of 400 owners, bought over seven years; their last visits when asked."""
    rng = random.Random(20)
    rows = []
    for number in range(CARS):
        bought = AS_OF - timedelta(days=rng.randint(20, 2500))
        row = dms_row(
            number,
            email=f"owner{number % OWNERS}@example.com",
            last_name=f"Owner{number % OWNERS}",
            purchase_date=bought.isoformat(),
            year=str(bought.year),
            odometer=str(rng.randint(5, 40)),
        )
        if with_history:
            row["last_service_date"] = max(bought, AS_OF - timedelta(days=rng.randint(0, 900)))
            row["last_service_date"] = row["last_service_date"].isoformat()
        rows.append(row)
    return rows


def _import(client, rows: list[dict]) -> None:
    batch = preview_csv(client, csv_bytes(rows))
    assert batch.summary["rejected"] == 0, batch.summary
    response = client.post(f"/admin/imports/{batch.id}/apply")
    assert response.status_code == 303
    db.session.expire_all()


def _notify(runner, day: date) -> list[Notification]:
    result = runner.invoke(args=["notify", "run", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def _listing(runner, day: date) -> list[dict]:
    result = runner.invoke(args=["reminders", "due", "--json", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_an_import_without_history_sends_no_service_reminder_and_one_welcome_each(
    client, as_admin, runner
):
    _import(client, _rows(with_history=False))
    asked = {item["owner_email"] for item in _listing(runner, AS_OF) if item["asks_last_service"]}
    assert len(asked) > OWNERS // 2

    _notify(runner, AS_OF)
    messages = _notify(runner, AS_OF + timedelta(days=1))

    assert not [m for m in messages if m.key.startswith(("reminder:service", "winback:"))]
    welcomes = Counter(m.user_id for m in messages if m.key.startswith("tell-us:"))
    assert max(welcomes.values()) == 1
    assert {m.user.email for m in messages if m.key.startswith("tell-us:")} == asked


def test_an_import_with_last_service_dates_sends_what_the_rules_list(client, as_admin, runner):
    _import(client, _rows(with_history=True))
    listing = _listing(runner, AS_OF)
    assert not [item for item in listing if item["asks_last_service"]]

    messages = _notify(runner, AS_OF)

    expected = set()
    for item in listing:
        if item["kind"] != "service":
            continue
        lapsed = date.fromisoformat(item["due_on"]) + relativedelta(months=6) < AS_OF
        expected.add(
            f"winback:{item['key']}" if lapsed else f"reminder:{item['key']}:{item['status']}"
        )
    sent = {m.key for m in messages if m.key.startswith(("reminder:service", "winback:"))}
    assert sent == expected
    assert any(key.startswith("winback:") for key in sent)
    assert any(key.endswith(":due_soon") for key in sent)
    assert not [m for m in messages if m.key.startswith("tell-us:")]
