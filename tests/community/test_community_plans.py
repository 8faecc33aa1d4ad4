"""The community page reads only what it shows: no query on it reads owners, pledges or the
points ledger in full, on either database (checked with each query's plan)."""

import pytest
from sqlalchemy import event

from portal.extensions import db

#: Tables that grow with the club: a query on the page may look rows up in them, never scan.
BIG_TABLES = {"users", "charity_contributions", "charity_giver_tallies", "points_entries"}


@pytest.fixture
def page_statements(app):
    """`page_statements(client, path)`: (SQL, parameters) of every query one GET runs."""

    def run(client, path: str) -> list[tuple[str, object]]:
        client.get(path)  # warm caches outside the measurement, as a running worker has them
        seen = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    return run


def _sqlite_scans(cursor, statement, parameters) -> list[str]:
    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    details = [row[-1] for row in cursor.fetchall()]
    return [d for d in details if d.startswith("SCAN ") and d.split()[1] in BIG_TABLES]


def _postgres_scans(cursor, statement, parameters) -> list[str]:
    # With sequential scans priced out, a seq scan (or an index walked without a condition)
    # left in the plan means no index can serve the query.
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0][0]["Plan"]
    found, nodes = [], [plan]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") not in BIG_TABLES:
            continue
        unindexed = node["Node Type"] == "Seq Scan" or (
            node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
        )
        if unindexed:
            found.append(f"{node['Node Type']} on {node['Relation Name']}")
    return found


def _full_scans(statements) -> dict[str, list[str]]:
    """{statement: its full scans of big tables}, for the statements that have any."""
    scans = _postgres_scans if db.engine.dialect.name == "postgresql" else _sqlite_scans
    found = {}
    with db.engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        for statement, parameters in statements:
            if hit := scans(cursor, statement, parameters):
                found[statement] = hit
        connection.rollback()
    return found


def _a_busy_club(make_owner, make_drive, pledge, give_points, make_announcement):
    drive = make_drive(name="Coats for Kids")
    for number in range(12):
        person = make_owner(tier_level=number % 4, consent_recognition=number % 3 == 0)
        pledge(drive, person, 10_00)
        give_points(person, 100)
    make_announcement("Winter clinic", body="Bring the *spare*", body_format="markdown")


@pytest.mark.parametrize("who", ["visitor", "owner", "coordinator"])
def test_no_query_on_the_community_page_scans_a_big_table(
    client,
    login,
    make_owner,
    make_user,
    make_drive,
    pledge,
    give_points,
    make_announcement,
    page_statements,
    who,
):
    _a_busy_club(make_owner, make_drive, pledge, give_points, make_announcement)
    if who == "owner":
        login(make_owner(tier_level=2, consent_recognition=True))
    elif who == "coordinator":
        login(make_user(role="coordinator"))
    statements = page_statements(client, "/community")
    assert any("charity_drive_tallies" in statement for statement, _ in statements)
    assert not any("charity_contributions" in statement for statement, _ in statements)
    assert _full_scans(statements) == {}
