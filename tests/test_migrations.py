"""Migrations build the schema the models describe, both ways, on both databases."""

import os
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, make_url, select, text

from portal import create_app
from portal.accounts.models import User
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.slow  # every migration, up and down


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path, worker_id) -> str:
    """A database with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL (CI sets it)")
    import psycopg

    base = make_url(normalise_database_url(POSTGRES_URL))
    prefix = os.environ.get("PORTAL_TEST_DB_PREFIX", "portal_test")
    name = f"{prefix}_migrations_{worker_id}"
    admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def migration_app(empty_database_url, tmp_path):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=empty_database_url,
        INSTANCE_PATH=str(tmp_path / "instance"),
        MAIL_OUTBOX=str(tmp_path / "outbox"),
    )
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _pending_differences() -> list:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLAlchemy cannot reflect SQLite's expression indexes (lower(name)) and says so;
        # `_index_names` checks those by name instead.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _index_names() -> set[str]:
    """Every index in the database, expression indexes included, as the database lists them."""
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if db.engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with db.engine.connect() as connection:
        return set(connection.exec_driver_sql(listing).scalars())


def _model_index_names() -> set[str]:
    return {index.name for table in db.metadata.sorted_tables for index in table.indexes}


def test_upgrade_builds_exactly_the_models_schema(migration_app):
    upgrade()
    assert _pending_differences() == []
    assert _model_index_names() <= _index_names()


def test_downgrade_to_base_and_upgrade_again(migration_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert _pending_differences() == []


def test_migrations_keep_data_on_a_populated_database(migration_app):
    upgrade()
    result = migration_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    owners = db.session.scalar(select(func.count()).select_from(User))
    db.session.commit()
    downgrade(revision="0001")  # every later revision, with their tables, goes
    upgrade()
    assert db.session.scalar(select(func.count()).select_from(User)) == owners


def test_0012_stores_announcement_html_and_drive_totals_for_existing_rows(migration_app):
    """Rows from before 0012 get their HTML and their drives' totals, as saving would give."""
    from portal.charity.tally import stored_totals, summed_totals
    from portal.community.models import Announcement
    from portal.community.rules import RENDERER_VERSION, announcement_html

    upgrade()
    result = migration_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    db.session.close()
    downgrade(revision="0011")  # the demo's rows as a database from before 0012 holds them
    upgrade()
    db.session.expire_all()
    announcements = db.session.scalars(select(Announcement)).all()
    assert announcements
    for announcement in announcements:
        expected = str(announcement_html(announcement.body, announcement.body_format))
        assert (announcement.body_html, announcement.renderer_version) == (
            expected,
            RENDERER_VERSION,
        )
    drive_ids = [row[0] for row in db.session.execute(text("SELECT id FROM charity_drives"))]
    summed = summed_totals(db.session, drive_ids)
    assert summed and stored_totals(db.session, drive_ids) == summed


def test_a_table_rebuilt_by_a_migration_keeps_the_rows_that_point_at_it(migration_app):
    """SQLite alters a table by rebuilding it (batch mode). The rows pointing at it stay: an
    RSVP's answers (ON DELETE CASCADE) through 0019's rebuild of `rsvps`, a visit's service
    record (SET NULL) through 0023's rebuild of `service_records`, both ways."""
    from portal.events.models import Rsvp
    from portal.events.services import questions

    upgrade()
    result = migration_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    rsvp = db.session.scalars(select(Rsvp).where(Rsvp.user_id.is_not(None))).first()
    question = questions.add_question(
        db.session, rsvp.event, kind="text", label="Which car?", required=False, options_text=""
    ).question
    questions.save_answers(db.session, rsvp=rsvp, answers={question.id: "The MX-5"})
    db.session.commit()
    db.session.close()

    def pointing() -> tuple[list, list]:
        answers = db.session.execute(text("SELECT rsvp_id, value FROM rsvp_answers")).all()
        visits = db.session.execute(text("SELECT id, service_record_id FROM visits")).all()
        db.session.commit()
        return answers, visits

    before = pointing()
    assert before[0] and any(record for _, record in before[1])
    downgrade(revision="0022")  # 0023 rebuilds service_records on the way down
    upgrade()
    assert pointing() == before
    answers_before = before[0]
    downgrade(revision="0018")  # 0019 rebuilds rsvps on the way down
    assert db.session.execute(text("SELECT rsvp_id, value FROM rsvp_answers")).all() == (
        answers_before
    )
    db.session.commit()
    upgrade()
    assert pointing()[0] == answers_before
