"""The upcoming events are found by their end, not by walking every event ever published: a
dealership's past events grow every year, its upcoming ones do not (`ix_events_status_ends_at`).
Checked with SQLite's plan for each reader of the upcoming events: an owner's and a
visitor's list (`/events`, the community page, the invitation's events)."""

from datetime import UTC, datetime

import pytest

from portal import clock
from portal.events import queries
from portal.extensions import db

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _plan(statement, values: dict) -> list[str]:
    expanded = statement.compile(dialect=db.engine.dialect).construct_expanded_state(values)
    parameters = dict(expanded.parameters)
    for name, process in expanded.processors.items():
        if name in parameters:
            parameters[name] = process(parameters[name])
    ordered = [parameters[name] for name in expanded.positiontup]
    with db.engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN QUERY PLAN " + expanded.statement, ordered)
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.parametrize("signed_in", [True, False], ids=["owner", "visitor"])
def test_the_upcoming_events_are_searched_by_their_end(app, make_owner, make_event, signed_in):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL picks its plan by the table's statistics; the index is there")
    owner = make_owner()
    for days in (-400, -30, -2, 3, 20):  # past events outnumber the upcoming ones
        make_event(title=f"Day {days}", days=days)
    user = owner if signed_in else None
    read, values = queries.upcoming_events_read(user, clock.now(), None, limit=4)

    plan = _plan(read.read, values)

    events = [line for line in plan if " events " in f" {line} "]
    assert events == ["SEARCH events USING INDEX ix_events_status_ends_at (status=? AND ends_at>?)"]


def test_the_events_an_invitation_lists_are_searched_by_their_end(app, make_event):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL picks its plan by the table's statistics; the index is there")
    make_event(title="Past", days=-10)
    make_event(title="Next", days=5)
    values = {"now": clock.now(), "limit": 4, "audiences": queries.audiences_for(None)}

    plan = _plan(queries._TO_JOIN, values)

    assert any("ix_events_status_ends_at" in line for line in plan), plan
