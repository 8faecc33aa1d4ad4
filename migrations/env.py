"""Alembic environment: the portal's engine and metadata, batch mode for SQLite."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.exc import SAWarning

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
engine = migrate.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = migrate.db.metadata


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the database; an autogenerate with no changes writes no file."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    configure_args = dict(migrate.configure_args)
    configure_args.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection, warnings.catch_warnings():
        # Batch mode reflects a table's neighbours on SQLite, and SQLAlchemy cannot reflect
        # expression indexes (lower(name)) there. No migration rebuilds a table that has one
        # (tests/test_migrations.py checks every model index exists after upgrade).
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based", SAWarning
        )
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, **configure_args
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection, on: bool) -> None:
    """Switch SQLite's foreign-key enforcement, outside any transaction (inside one, SQLite
    ignores the pragma): on the DB-API connection itself, so no transaction begins for it.

    Batch mode alters a SQLite table by copying it to a new one and dropping the old. With
    enforcement on, that drop deletes the rows of every table pointing at it (ON DELETE
    CASCADE) or clears their references (SET NULL): an RSVP's referral link, a visit's
    service record, silently. So migrations run with it off, and are checked at the end.
    """
    connection.connection.driver_connection.execute(
        f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}"
    )


def _check_foreign_keys(connection) -> None:
    """With enforcement off, nothing stopped a migration from leaving a dangling reference:
    refuse to commit one."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"The migration leaves rows pointing at nothing: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
