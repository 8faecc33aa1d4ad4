"""How each request's statements reach the database: on PostgreSQL, reads in autocommit."""

import select

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.notifications.models import Notification


@pytest.fixture
def transaction_of_each_statement(app):
    """Record, for every statement run, whether it ran inside a transaction of its own."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("autocommit reads are PostgreSQL's; SQLite's split is in test_reads_never_wait")
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0].upper(), not conn.connection.dbapi_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_page_reads_outside_any_transaction(client, login, owner, transaction_of_each_statement):
    login(owner)
    transaction_of_each_statement.clear()

    assert client.get("/garage").status_code == 200

    assert transaction_of_each_statement
    assert not any(in_transaction for _, in_transaction in transaction_of_each_statement)


def test_a_form_post_still_runs_in_one_transaction(client, owner, transaction_of_each_statement):
    client.post("/login", data={"email": owner.email, "password": "wrong password"})

    assert transaction_of_each_statement
    assert all(in_transaction for _, in_transaction in transaction_of_each_statement)


def test_a_page_that_writes_makes_its_change_in_a_transaction(
    client, login, owner, make_notification, transaction_of_each_statement
):
    message = make_notification(owner)
    login(owner)
    transaction_of_each_statement.clear()

    assert client.get(f"/inbox/{message.id}").status_code == 200

    writes = [seen for seen in transaction_of_each_statement if seen[0] == "UPDATE"]
    assert writes == [("UPDATE", True)]
    assert db.session.get(Notification, message.id).read_at is not None


def test_an_export_streams_its_rows_in_a_transaction(
    client, login, admin_user, make_referral, transaction_of_each_statement
):
    """Exports read through a server-side cursor, which PostgreSQL keeps only in a transaction."""
    make_referral()
    login(admin_user)
    transaction_of_each_statement.clear()

    response = client.get("/admin/referrals/export.csv")

    assert response.status_code == 200
    assert response.get_data(as_text=True).count("\n") >= 2
    assert ("SELECT", True) in transaction_of_each_statement


def test_prepared_statements_outlive_the_request(client, login, owner, app):
    """psycopg forgets its prepared statements on every ROLLBACK; reads no longer send one, so
    a page's statements are prepared once per connection instead of planned every time."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    login(owner)
    for _ in range(8):
        assert client.get("/garage").status_code == 200

    with db.engine.connect() as connection:
        prepared = connection.connection.dbapi_connection.execute(
            "SELECT count(*) FROM pg_prepared_statements"
        ).fetchone()[0]
    assert prepared > 0


def test_a_pages_read_of_columns_skips_the_orms_path_and_reads_the_same_rows(app, make_owner):
    """`page_rows` runs a select of model attributes on the session's connection: the rows
    `Session.execute` gives, without the ORM's execution (nor its flush: pages only read)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.db import page_rows

    owners = [make_owner(name=f"Owner {n}") for n in range(3)]
    statement = select(User.id, User.name, User.email).order_by(User.id)
    orm_runs, session = [], db.session()
    record = orm_runs.append
    event.listen(session, "do_orm_execute", record)
    try:
        plain = [tuple(row) for row in page_rows(db.session, statement)]
        assert orm_runs == []
        through_the_orm = [tuple(row) for row in db.session.execute(statement)]
        assert len(orm_runs) == 1
    finally:
        event.remove(session, "do_orm_execute", record)
    assert plain == through_the_orm
    assert [name for _, name, _ in plain] == [owner.name for owner in owners]


def test_a_pages_read_of_columns_sees_a_change_not_yet_flushed(app, make_owner):
    """As an ORM read would, `page_rows` and a page of a `PagedSelect` flush first."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.db import page_rows
    from portal.paging import PagedSelect

    owner = make_owner(name="Sam Okafor")
    owner_id = owner.id  # loaded now: reading it later would flush by itself
    owner.name = "Sam Okafor-Reyes"
    statement = select(User.id, User.name).where(User.id == owner_id)
    assert [tuple(row) for row in page_rows(db.session, statement)] == [
        (owner_id, "Sam Okafor-Reyes")
    ]
    db.session.add(User(email="new@example.com", password_hash="x", name="Priya Patel"))
    names = select(User.name).order_by(User.name)
    listed = PagedSelect(names, rows=True).page_of(db.session, {}, 1, 10)
    assert [name for (name,) in listed.items] == ["Priya Patel", "Sam Okafor-Reyes"]
    assert listed.total == 2 and listed.exact


def test_a_connection_the_server_closed_is_replaced_when_checked_out(app):
    """No ping per request: a pooled connection the server ended is found at checkout (its
    socket has the server's goodbye to read) and the pool hands out a fresh one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to close a connection")
    import psycopg

    with db.engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        server_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [server_pid])
    # Waits for the server's goodbye to arrive (an event, not a pause): then it is checked out.
    assert select.select([dbapi_connection.fileno()], [], [], 30)[0]

    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != server_pid
