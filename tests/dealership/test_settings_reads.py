"""Settings are read once per request (one transaction), and a value saved is read back."""

import pytest

from portal.dealership.queries import read_settings
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
    assert len(_settings_reads(statements)) == 1


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
