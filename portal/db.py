"""Engine set-up, and on SQLite the split between transactions that read and those that write.

SQLite has one write lock per database file. In WAL mode readers never block the writer nor
each other, so the portal decides, when each transaction begins, whether it may write:

- A request that only reads (GET, HEAD, OPTIONS) begins a deferred, read-only transaction:
  `PRAGMA query_only = ON` then `BEGIN`. It reads one snapshot, never waits for a writer and
  never makes a writer wait, so page views run side by side on every worker. A write in it
  fails at once with "attempt to write a readonly database", every time, instead of now and
  then with "database is locked" (a deferred transaction cannot wait for the lock it needs
  to upgrade to a writer once another writer has committed after its snapshot).
- Everything else (POST, PUT, PATCH and DELETE requests, `flask` commands, the dispatch job,
  tests' own sessions) begins `BEGIN IMMEDIATE`: it takes the write lock up front, and when
  another writer holds it, waits for it (the busy timeout) rather than failing.
- The few GET pages that must write (a message marked read when it is opened, an invite link
  made on first visit, an email confirmed from its link) make that change through
  `write_in_own_transaction`: the read ends, the change
  runs in a short IMMEDIATE transaction and is committed, and the page reads on afterwards.
  `tests/test_get_is_safe.py` opens every GET page for every role and checks that nothing
  else writes.

A request is marked as reading by Flask's `request_started` signal, before any
`before_request` hook or user loader can query, and the engine's "begin" event reads the
mark, so the rule holds for every session and connection. A request context made only for
`url_for` and templates (`test_request_context` in a command or the dispatcher) is not a
request the app serves, and writes as commands do.

PostgreSQL needs no lock split (its readers never block nor wait, and its writers lock rows
in the statements themselves), but the same mark makes its reads cheaper: a reading request
runs its statements in autocommit. Under READ COMMITTED each statement reads its own
snapshot either way, so a page sees exactly what it saw inside a transaction; what goes is a
BEGIN and a ROLLBACK per request (two of the seven round trips of a small page), and with
the ROLLBACK goes psycopg's habit of forgetting its prepared statements on every rollback, so
a page's statements are prepared once per connection and no longer parsed and planned on
every request. A write in such a request would commit at once instead of being rolled
back; `write_in_own_transaction` still runs in a transaction of its own, and
`tests/test_get_is_safe.py` sees any other write on PostgreSQL as on SQLite.
"""

import select
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Flask, g, has_app_context, has_request_context, request, request_started
from sqlalchemy import Connection, Engine, Executable, event, exc
from sqlalchemy.orm import Session

from portal.driver_reads import Rows, driver_rows, sqlalchemy_rows

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Requests with these methods only read (RFC 9110 "safe" methods).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Set in the WSGI environ of a request the app serves with one of those methods.
_READS_ONLY = "portal.reads_only"
#: Where a pooled SQLite connection remembers whether `query_only` is on.
_QUERY_ONLY = "portal.query_only"

_writing: ContextVar[bool] = ContextVar("portal_writing", default=False)


def mark_reading_requests(app: Flask) -> None:
    """Note, as each request starts (before any hook can query), whether it only reads."""
    request_started.connect(_mark_if_reading, app)


def _mark_if_reading(sender: Flask, **extra) -> None:
    if request.method in READ_METHODS:
        request.environ[_READS_ONLY] = True


def begins_read_only() -> bool:
    """Whether a transaction begun now only reads: in a GET, HEAD or OPTIONS request the app
    serves, outside `write_in_own_transaction`."""
    return not _writing.get() and has_request_context() and request.environ.get(_READS_ONLY, False)


#: Where a reading request keeps what it read once for the whole page (`read_once`).
_READ_ONCE = "portal_read_once"
_NOT_READ = object()


def remember_read(name: str, value: Any) -> None:
    """Keep a value a reading request read along with something else (the unread count with
    the signed-in user) for the rest of the request, which cannot change it by itself.
    Nothing is kept in a request that may write, and `write_in_own_transaction` forgets it
    all: after a change the page asks again."""
    if begins_read_only():
        g.setdefault(_READ_ONCE, {})[name] = value


def read_once(name: str, read: Callable[[], T]) -> T:
    """The value `remember_read` kept under `name` in this request, or `read()` when none."""
    value = g.get(_READ_ONCE, {}).get(name, _NOT_READ) if has_app_context() else _NOT_READ
    return read() if value is _NOT_READ else value


def write_in_own_transaction(session: Session, action: Callable[[], T]) -> T:
    """From a page that reads, make one change in a short write transaction of its own.

    The read transaction ends first (it holds no changes: a read cannot make any), then
    `action()` runs in an IMMEDIATE transaction that is committed, or rolled back when it
    raises. Objects loaded before are expired and read afresh, inside the write, on use.
    """
    session.commit()
    if has_app_context():
        g.pop(_READ_ONCE, None)  # what was read before may be what changes
    token = _writing.set(True)
    try:
        result = action()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _writing.reset(token)
    return result


def read_connection(session: Session) -> Connection:
    """The session's connection, for reads that skip the ORM's execution: pending changes
    are flushed first, as an ORM read would (a clean session costs nothing to flush), so the
    read sees them either way."""
    if session.autoflush:
        session.flush()
    return session.connection()


def page_rows(session: Session, statement: Executable, values: dict | None = None) -> Rows:
    """A page's read of plain columns, on `read_connection`, read whole as named tuples.

    In a reading request it runs on the driver (`portal.driver_reads`): SQLAlchemy's path
    for a statement costs as much as SQLite's work for most of them. Otherwise through
    SQLAlchemy's Core path, never the ORM's (about 75 µs a statement against 25 µs), giving
    the same rows.
    """
    return rows_of(read_connection(session), statement, values or {})


def rows_of(connection: Connection, statement: Executable, values: dict) -> Rows:
    """`page_rows` on a connection already at hand."""
    if begins_read_only():
        return driver_rows(connection, statement, values)
    return sqlalchemy_rows(connection, statement, values)


#: The range of an `Integer` column on PostgreSQL (SQLite holds more): numbers from a form
#: or a URL outside it are refused before a query could overflow.
DATABASE_INT_MIN = -(2**31)
DATABASE_INT_MAX = 2**31 - 1


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for concurrent writers and free for readers; PostgreSQL's reads cheap."""
    if engine.dialect.name == "postgresql":
        _replace_connections_the_server_closed(engine)
        _read_in_autocommit(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        connection_record.info[_QUERY_ONLY] = False

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        read_only = begins_read_only()
        info = connection.connection.info
        if info.get(_QUERY_ONLY) is not read_only:
            # Changed only when the connection switches roles: one pragma, no round trip.
            connection.exec_driver_sql(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")
            info[_QUERY_ONLY] = read_only
        if read_only:
            # Straight to the driver: a deferred BEGIN takes no lock, so it cannot wait nor
            # fail, and SQLAlchemy's path for a statement (about 30 µs) was a sixth of what
            # a page view's whole transaction costs the database layer.
            connection.connection.dbapi_connection.execute("BEGIN")
        else:
            # A writer takes the lock up front: a deferred transaction that reads and then
            # writes fails at once with "database is locked" when another writer got in
            # between. Through SQLAlchemy, so waiting out the busy timeout raises its error.
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _replace_connections_the_server_closed(engine: Engine) -> None:
    """PostgreSQL: a pooled connection the server has closed (a restart, an administrator
    ending it, an idle timeout) is dropped when it is checked out, and the pool hands out a
    fresh one (SQLAlchemy, "Disconnect Handling - Pessimistic": a checkout listener raising
    `DisconnectionError`).

    The check costs no round trip, where `pool_pre_ping` sends a `SELECT 1` before every
    request: a whole round trip, as long as a page's statement and one more on every page.
    An idle connection in a pool hears nothing from its server (the portal never LISTENs), so
    a socket with something to read means the server has said goodbye (PostgreSQL sends its
    "terminating connection" error and closes), and so does a connection psycopg already
    knows is closed or broken. A server that vanished without closing (a cable pulled) is
    found by the first statement, as it would be by the ping, which would hang just the same.
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, connection_record, connection_proxy):
        if _closed_by_server(dbapi_connection):
            raise exc.DisconnectionError("the database server closed this connection")


def _closed_by_server(dbapi_connection) -> bool:
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    return bool(readable)


def _read_in_autocommit(engine: Engine) -> None:
    """PostgreSQL: a connection handed to a reading request runs in autocommit, any other in
    a transaction (psycopg's default)."""
    import psycopg

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, connection_record, connection_proxy):
        # Checked in connections are reset (rolled back), so the switch is always allowed.
        read_only = begins_read_only()
        if dbapi_connection.autocommit is not read_only:
            dbapi_connection.autocommit = read_only

    @event.listens_for(engine, "before_cursor_execute")
    def _server_cursor_in_a_transaction(conn, cursor, statement, parameters, context, many):
        # A server-side cursor (an export streams its rows through one) lives only inside a
        # transaction: such a read begins one, and the request's end rolls it back.
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection.autocommit and isinstance(cursor, psycopg.ServerCursor):
            dbapi_connection.autocommit = False
