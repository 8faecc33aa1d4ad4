"""Settings are read once per request (one transaction), and a value saved is read back."""

import pytest
from sqlalchemy import select

from portal.db import page_rows
from portal.dealership.queries import (
    StoredSettingsColumn,
    _read_stored,
    read_settings,
    stored_settings,
)
from portal.dealership.services import write_settings
from portal.extensions import db


def _settings_reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "FROM settings" in sql]


@pytest.mark.parametrize("path", ["/", "/garage", "/reminders", "/events", "/rewards", "/inbox"])
def test_an_owner_page_reads_the_settings_once(
    app, client, login, make_owner, make_vehicle, count_queries, path
):
    owner = make_owner()
    make_vehicle(owner)
    login(owner)
    client.get(path)
    # A context of its own, as each request a server answers has: no settings kept from
    # the requests above.
    with app.app_context(), count_queries() as statements:
        assert client.get(path).status_code == 200
    # ...in the statement that loads the signed-in user: none of their own.
    [read] = _settings_reads(statements)
    assert "FROM users JOIN login_sessions" in read


#: Values of every JSON shape a setting may hold.
VALUES = {
    "dealership.name": "Lakeside Motors – Café «Ω»",
    "dealership.weekly_message_limit": 3,
    "charity.points_per_dollar": 2.5,
    "reminders.seasons": ["winter", "summer"],
    "tiers": {"silver": 3, "gold": {"points": 10, "perks": [None, True, False]}},
    "dealership.phone": "",
    "feedback.follow_up": None,
    "birthday.enabled": False,
}


def test_the_settings_read_as_one_column_are_the_rows_the_table_holds(app):
    assert page_rows(db.session, select(StoredSettingsColumn())).scalar() in (None, {})
    write_settings(db.session, VALUES)
    db.session.flush()

    carried = page_rows(db.session, select(StoredSettingsColumn())).scalar()

    assert carried == _read_stored(db.session) == VALUES


def test_a_setting_saved_shows_on_the_next_page(client, login, make_owner, app):
    login(make_owner())
    client.get("/garage")
    write_settings(db.session, {"dealership.name": "Lakeside Motors"})
    db.session.commit()

    with app.app_context():
        assert "Lakeside Motors" in client.get("/garage").get_data(as_text=True)


def test_a_page_that_writes_reads_the_settings_afresh_after_its_change(app):
    """What a reading page read with the user is forgotten by `write_in_own_transaction`: after
    its change the settings are read as they now are."""
    from flask import request_started

    from portal.db import remember_read, write_in_own_transaction
    from portal.dealership.queries import STORED_SETTINGS

    with app.test_request_context("/garage"):
        request_started.send(app)  # a page that only reads, as the app marks one
        remember_read(STORED_SETTINGS, {"dealership.name": "Read with the user"})
        assert stored_settings(db.session)["dealership.name"] == "Read with the user"

        write_in_own_transaction(
            db.session, lambda: write_settings(db.session, {"dealership.name": "Harbour Lane"})
        )

        assert stored_settings(db.session)["dealership.name"] == "Harbour Lane"


def test_a_setting_saved_is_read_back_in_the_same_transaction(app, count_queries):
    defaults = {"dealership.name": "Default Motors", "reminders.service_interval_months": 6}
    with count_queries() as statements:
        assert read_settings(db.session, defaults)["dealership.name"] == "Default Motors"
        read_settings(db.session, defaults)
        write_settings(db.session, {"dealership.name": "Lakeside Motors"})
        assert read_settings(db.session, defaults)["dealership.name"] == "Lakeside Motors"
    assert len(_settings_reads(statements)) == 3  # read, the write's own read, read afresh
    db.session.rollback()
    assert read_settings(db.session, defaults)["dealership.name"] == "Default Motors"


def test_settings_read_are_copies(app):
    write_settings(db.session, {"reminders.seasons": ["winter"]})
    read_settings(db.session, {"reminders.seasons": []})["reminders.seasons"].append("summer")
    assert read_settings(db.session, {"reminders.seasons": []})["reminders.seasons"] == ["winter"]
