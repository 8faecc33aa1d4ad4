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
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
