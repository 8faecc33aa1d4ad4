"""A reading request's statements run on the driver (`portal.driver_reads`) and give exactly
what SQLAlchemy's path gives: the same values of the same types, named the same, on SQLite
and PostgreSQL; errors as SQLAlchemy raises them; the user in the session as a query leaves
them."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, event, exc, func, inspect, literal, select, text, union_all

from portal import clock, driver_reads
from portal.accounts.models import User
from portal.accounts.services import members
from portal.db import _READS_ONLY as READS_ONLY
from portal.db import begins_read_only, write_in_own_transaction
from portal.driver_reads import driver_rows, sqlalchemy_rows
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.extensions import db
from portal.security import hash_token
from tests import factories

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
AWKWARD = 'O\'Brien "Q" \\ back\nline <b>&amp; Ωμέγα 車 🚗 end'


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def reading(app):
    """`with reading():` what follows runs as in a GET request the app serves: its connection
    reads only (deferred and read-only on SQLite, autocommit on PostgreSQL)."""

    @contextmanager
    def as_a_reading_request():
        db.session.remove()  # the next connection is checked out for the request
        with app.test_request_context("/", environ_overrides={READS_ONLY: True}):
            assert begins_read_only()
            yield
        db.session.remove()

    return as_a_reading_request


def through_sqlalchemy(statement, values: dict) -> list[tuple]:
    return [tuple(row) for row in db.session.connection().execute(statement, values)]


def on_the_driver(statement, values: dict):
    """The statement's `Rows` from the driver: a statement's first run is SQLAlchemy's (a
    statement built for one call never reaches the driver), so it runs once before, and the
    run that counts is checked not to have taken SQLAlchemy's path."""
    driver_rows(db.session.connection(), statement, values)
    through = []

    def engine_level(conn, clauseelement, *args):
        through.append(clauseelement)

    event.listen(db.engine, "before_execute", engine_level)
    try:
        rows = driver_rows(db.session.connection(), statement, values)
    finally:
        event.remove(db.engine, "before_execute", engine_level)
    assert through == [], "read through SQLAlchemy, not on the driver"
    return rows


def test_values_of_every_kind_come_back_as_through_sqlalchemy(make_owner, reading):
    make_owner(
        name=AWKWARD,
        birthday=date(1980, 2, 29),
        consent_service=True,
        email_verified_at=datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
        tier_level=2**31 - 1,
    )
    make_owner(name="Zed", birthday=None, consent_service=False, email_verified_at=None)
    read = (
        select(
            User.id,
            User.name,
            User.birthday,
            User.consent_service,
            User.email_verified_at,
            User.deactivated_at,
            User.role,
            User.tier_level,
            literal(1.5).label("half"),
        )
        .where(User.name != bindparam("not_named"))
        .order_by(User.name.desc())
    )
    values = {"not_named": "nobody"}

    with reading():
        rows = on_the_driver(read, values).all()
        expected = through_sqlalchemy(read, values)

    assert [tuple(row) for row in rows] == expected
    assert [type(value) for value in rows[1]] == [type(value) for value in expected[1]]
    awkward = rows[1]
    assert awkward.name == AWKWARD and awkward.birthday == date(1980, 2, 29)
    assert awkward.consent_service is True and rows[0].consent_service is False
    assert awkward.email_verified_at == datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert awkward.email_verified_at.tzinfo is not None
    assert awkward.tier_level == 2**31 - 1 and awkward.half == 1.5
    assert awkward[1] == AWKWARD and awkward[-1] == 1.5  # by position too


def test_bound_values_go_in_as_through_sqlalchemy(make_owner, reading):
    """Datetimes, booleans and lists expanded into IN are bound as SQLAlchemy binds them."""
    make_owner(name="early", email_verified_at=datetime(2025, 1, 1, tzinfo=UTC))
    make_owner(name="late", email_verified_at=datetime(2025, 6, 1, tzinfo=UTC))
    make_owner(name="never", email_verified_at=None, consent_service=False)
    read = (
        select(User.name)
        .where(
            User.email_verified_at < bindparam("before"),
            User.consent_service == bindparam("consents"),
            User.name.in_(bindparam("names", expanding=True)),
        )
        .order_by(User.name)
    )
    before = datetime(2025, 3, 1, tzinfo=UTC)

    with reading():
        for names in (["early", "late"], ["early"], [], ["late", "never", "early"]):
            values = {"before": before, "consents": True, "names": names}
            rows = on_the_driver(read, values).all()
            assert [tuple(row) for row in rows] == through_sqlalchemy(read, values)
            assert [row.name for row in rows] == (["early"] if "early" in names else [])


def test_a_value_beside_a_list_is_bound_as_sqlalchemy_binds_it(make_owner, reading):
    """A datetime compared for equality next to an `IN` list: bound by its own processor
    (SQLite's text of it), not handed to the driver as it is."""
    at = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    make_owner(name="exact", email_verified_at=at)
    make_owner(name="other", email_verified_at=at + timedelta(seconds=1))
    read = select(User.name).where(
        User.email_verified_at == bindparam("at"),
        User.name.in_(bindparam("names", expanding=True)),
    )

    with reading():
        for names in (["exact", "other"], ["exact"]):
            values = {"at": at, "names": names}
            rows = on_the_driver(read, values).all()
            assert [row.name for row in rows] == ["exact"]
            assert [tuple(row) for row in rows] == through_sqlalchemy(read, values)


def test_lists_are_expanded_once_per_shape(make_owner, reading, monkeypatch):
    """Two lists in one statement: SQLAlchemy expands the SQL once for each pair of lengths,
    and later runs of the same lengths with other values spread them over the same names."""
    for name in ("Ann", "Bo", "Cy", "Di"):
        make_owner(name=name, email=f"{name.lower()}@example.com")
    read = (
        select(User.name)
        .where(
            User.name.in_(bindparam("names", expanding=True)),
            User.email.in_(bindparam("emails", expanding=True)),
        )
        .order_by(User.name)
    )
    cases = [
        (["Ann", "Bo"], ["ann@example.com"], ["Ann"]),
        (["Cy", "Di"], ["di@example.com"], ["Di"]),
        (["Cy", "Di"], ["cy@example.com"], ["Cy"]),
        (["Bo"], ["bo@example.com", "cy@example.com"], ["Bo"]),
        (["Ann", "Bo"], ["bo@example.com"], ["Bo"]),
        ([], ["bo@example.com"], []),
    ]

    with reading():
        on_the_driver(read, {"names": ["x"], "emails": ["y"]})  # compiled, kept
        compiled = driver_reads._prepared(read, db.session.connection().dialect).compiled
        expansions = []
        expand = compiled._process_parameters_for_postcompile
        monkeypatch.setattr(
            compiled,
            "_process_parameters_for_postcompile",
            lambda parameters: expansions.append(1) or expand(parameters),
        )
        for names, emails, expected in cases:
            values = {"names": names, "emails": emails}
            rows = on_the_driver(read, values).all()
            assert [row.name for row in rows] == expected
            assert [tuple(row) for row in rows] == through_sqlalchemy(read, values)

    # The warm-up expanded (1, 1); the cases bring three new shapes: (2, 1), (1, 2), (0, 1).
    assert len(expansions) == 3


def test_a_constant_list_in_the_statement_and_a_union_read_as_through_sqlalchemy(
    make_owner, make_event, add_rsvp, reading
):
    owner = make_owner(name="Rae")
    event_row = make_event(title="Clinic")
    add_rsvp(event_row, owner, status=RsvpStatus.WAITLISTED)
    taken = select(Rsvp.event_id.label("a"), Rsvp.status.label("b")).where(
        Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
        Rsvp.user_id == bindparam("owner_id"),
    )
    titles = select(Event.id.label("a"), Event.title.label("b")).where(
        Event.id == bindparam("event_id")
    )
    both = union_all(taken, titles)
    values = {"owner_id": owner.id, "event_id": event_row.id}

    with reading():
        rows = on_the_driver(both, values).all()
        expected = through_sqlalchemy(both, values)

    assert sorted(tuple(row) for row in rows) == sorted(expected)
    assert {row.b for row in rows} == {"waitlisted", "Clinic"}


def test_no_rows_one_row_and_the_result_methods_pages_use(make_owner, reading):
    owner_id = make_owner(name="Only").id
    read = select(User.name, func.count().over().label("total")).where(User.id == bindparam("i"))
    two = select(literal(1)).union_all(select(literal(2)))

    with reading():
        one = on_the_driver(read, {"i": owner_id})
        none = on_the_driver(read, {"i": -1})
        many = on_the_driver(two, {})

    assert one.one().name == "Only" and one.first().total == 1 and one.scalar() == "Only"
    assert len(one) == 1 and [row.name for row in one] == ["Only"]
    assert none.all() == [] and none.first() is None and none.scalar() is None
    with pytest.raises(exc.NoResultFound):
        none.one()
    with pytest.raises(exc.MultipleResultsFound):
        many.one()


def test_the_statement_runs_on_the_driver_and_cursor_listeners_hear_it(make_owner, reading):
    make_owner()
    read = select(User.id).where(User.id > bindparam("above"))
    heard, through = [], []

    def record(conn, cursor, statement, parameters, context, executemany):
        heard.append(statement)

    def engine_level(conn, clauseelement, *args):
        through.append(clauseelement)

    with reading():
        driver_rows(db.session.connection(), read, {"above": 0})  # its first run: SQLAlchemy's
        event.listen(db.engine, "before_cursor_execute", record)
        event.listen(db.engine, "before_execute", engine_level)
        try:
            driver_rows(db.session.connection(), read, {"above": 0})
            driver_rows(db.session.connection(), read, {"above": 0})
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
            event.remove(db.engine, "before_execute", engine_level)

    assert len(heard) == 2 and all(statement.startswith("SELECT users.id") for statement in heard)
    assert through == []  # SQLAlchemy's execution path was not taken


def test_a_postgresql_transaction_reads_through_sqlalchemy(make_owner):
    """A failure would abort the transaction: the read is not tried on the driver first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's failed reads end no transaction: it always reads on the driver")
    owner = make_owner(name="In a transaction")
    through = []

    def engine_level(conn, clauseelement, *args):
        through.append(clauseelement)

    event.listen(db.engine, "before_execute", engine_level)
    try:
        rows = driver_rows(db.session.connection(), select(User.name), {}).all()
    finally:
        event.remove(db.engine, "before_execute", engine_level)

    assert [row.name for row in rows] == [owner.name] and len(through) == 1


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(app, reading):
    broken = text("SELECT no_such_column FROM users")
    broken_select = select(User.id).where(text("no_such_column = 1"))

    with reading():
        for statement in (broken, broken_select):
            for _first_then_on_the_driver in range(2):
                with pytest.raises(exc.DBAPIError) as through_driver:
                    driver_rows(db.session.connection(), statement, {})
            with pytest.raises(exc.DBAPIError) as through_core:
                db.session.connection().execute(statement)
            assert type(through_driver.value) is type(through_core.value)
            assert type(through_driver.value.orig) is type(through_core.value.orig)


def test_a_huge_number_fails_as_through_sqlalchemy(app, reading):
    read = select(User.id).where(User.id == bindparam("user_id"))

    with reading():
        driver_rows(db.session.connection(), read, {"user_id": 1})  # its first run
        with pytest.raises(Exception) as through_driver:  # noqa: PT011 - compared below
            driver_rows(db.session.connection(), read, {"user_id": 10**30})
        with pytest.raises(Exception) as through_core:  # noqa: PT011
            db.session.connection().execute(read, {"user_id": 10**30})

    assert type(through_driver.value) is type(through_core.value)


def test_text_without_declared_columns_is_named_as_sqlalchemy_names_it(make_owner, reading):
    make_owner(name="Texty")
    read = text("SELECT name AS called, id FROM users WHERE name = :name")

    with reading():
        for _ in range(2):
            rows = driver_rows(db.session.connection(), read, {"name": "Texty"}).all()
            assert [(row.called, row[0]) for row in rows] == [("Texty", "Texty")]
    written = sqlalchemy_rows(db.session.connection(), read, {"name": "Texty"})
    assert [row.called for row in written] == ["Texty"]


def test_a_statement_built_afresh_each_time_reads_through_sqlalchemy(make_owner, reading):
    """A search's statement, built for one call, is never compiled for the driver."""
    for number in range(3):
        make_owner(name=f"n{number}")
    with reading():
        for number in range(3):
            fresh = select(User.name).where(User.name == f"n{number}")
            rows = driver_rows(db.session.connection(), fresh, {})
            assert [row.name for row in rows] == [f"n{number}"]


# --- The signed-in user ------------------------------------------------------------------


def _signed_in(owner) -> str:
    token = members.start_login_session(
        db.session, owner, remember=False, now=clock.now(), user_agent="test"
    )
    db.session.commit()
    return f"{owner.id}:{token}"


def test_the_signed_in_user_is_loaded_alike_on_both_paths(make_owner, reading):
    owner = make_owner(
        name=AWKWARD, birthday=date(1990, 7, 1), email_verified_at=datetime(2025, 1, 2, tzinfo=UTC)
    )
    cookie_id = _signed_in(owner)
    owner_id, token = owner.id, cookie_id.partition(":")[2]
    unread = literal(3).label("unread")
    db.session.expunge_all()
    through_the_orm = members.signed_in_row(db.session, cookie_id, clock.now(), unread)
    expected = {key: getattr(through_the_orm[0], key) for key in members._USER_KEYS}

    with reading():
        user, count = members.signed_in_row(db.session, cookie_id, clock.now(), unread)

        assert {key: getattr(user, key) for key in members._USER_KEYS} == expected
        assert count == 3 and user.current_login_session_token == token
        state = inspect(user)
        assert state.persistent and not state.modified and not state.expired_attributes
        assert db.session.get(User, owner_id) is user  # the session's own, as after a query
    assert through_the_orm[1] == 3


def test_the_user_loaded_on_the_driver_behaves_as_one_a_query_loaded(make_owner, reading):
    """Its relationships load once when used; a page that writes (`write_in_own_transaction`)
    changes it like any loaded object."""
    owner = make_owner(name="Before")
    cookie_id = _signed_in(owner)
    owner_id = owner.id
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with reading():
        user, *_ = members.signed_in_row(db.session, cookie_id, clock.now())
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            tokens = [login_session.token_hash for login_session in user.login_sessions]
            write_in_own_transaction(db.session, lambda: setattr(user, "name", "After"))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    assert tokens == [hash_token(cookie_id.partition(":")[2])]
    reads = [s for s in statements if s.startswith("SELECT")]
    assert "login_sessions" in reads[0] and not any("FROM users" in s for s in reads[:1])
    assert any(s.startswith("UPDATE users SET name") for s in statements)
    db.session.expunge_all()
    assert db.session.get(User, owner_id).name == "After"


def test_no_user_for_a_forged_or_ended_login_session(make_owner, reading):
    owner = make_owner()
    cookie_id = _signed_in(owner)
    user_id, _, token = cookie_id.partition(":")

    with reading():
        assert members.signed_in_row(db.session, f"{user_id}:{token}x", clock.now()) is None
        assert members.signed_in_row(db.session, f"{int(user_id) + 1}:{token}", clock.now()) is None
        assert members.signed_in_row(db.session, cookie_id, clock.now()) is not None
        later = clock.now() + members.BROWSER_SESSION + timedelta(seconds=1)
        assert members.signed_in_row(db.session, cookie_id, later) is None


def test_a_page_view_reads_on_the_driver(client, login, owner):
    """The garage: the user and the cars, and nothing through SQLAlchemy's execution."""
    factories.vehicle(owner, nickname="Blue")
    login(owner)
    client.get("/garage")
    through, heard = [], []

    def engine_level(conn, clauseelement, *args):
        through.append(clauseelement)

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            heard.append(statement)

    event.listen(db.engine, "before_execute", engine_level)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/garage")
    finally:
        event.remove(db.engine, "before_execute", engine_level)
        event.remove(db.engine, "before_cursor_execute", record)

    assert response.status_code == 200 and "Blue" in response.get_data(as_text=True)
    assert len(heard) == 2
    assert through == []
