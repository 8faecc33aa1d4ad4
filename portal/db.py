"""Engine set-up: SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""

from sqlalchemy import Engine, event

SQLITE_BUSY_TIMEOUT_MS = 30_000

#: The range of an `Integer` column on PostgreSQL (SQLite holds more): numbers from a form
#: or a URL outside it are refused before a query could overflow.
DATABASE_INT_MIN = -(2**31)
DATABASE_INT_MAX = 2**31 - 1


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for concurrent writers; PostgreSQL needs nothing here."""
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

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with "database is locked" when another writer got in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
