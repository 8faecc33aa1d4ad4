"""Fixtures: an app on SQLite (and PostgreSQL when configured), clients, factories, mail."""

import os
import secrets
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, make_url
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts.models import Role, User
from portal.config import TestConfig, normalise_database_url
from portal.extensions import db
from portal.mail import POLICY as MAIL_POLICY
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.fast_setup import (
    calm_garbage_collector,
    copy_sqlite_schema,
    empty_postgres,
    forget_compiled_statements,
    memoise_rule_parsing,
    memoise_url_builders,
    share_compiled_templates,
    temp_files_in_memory,
    write_sqlite_template,
)

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL")

# Hypothesis profiles, registered here and nowhere else. "ci", the default (so `make test` and
# CI replay the same examples on every run), and "mutation" (fewer examples, for mutmut's many
# runs) are derandomised; HYPOTHESIS_PROFILE=dev explores new examples by hand. No deadlines:
# the machine is shared and the properties are about results, not time.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile(
    "mutation", derandomize=True, deadline=None, database=None, max_examples=60
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DATABASES = ["sqlite", "postgresql"]

temp_files_in_memory()  # before pytest makes its first temporary folder
memoise_url_builders()  # every test builds an app; see tests/fast_setup.py
memoise_rule_parsing()
share_compiled_templates()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Slow tests first, the rest in their usual order.

    `-n 2 --dist worksteal` gives each worker half the list and lets an idle worker take the
    back of the other's queue: with the slow tests up front, both queues end with quick
    tests, so neither worker is left alone with a long walk at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session) -> None:
    """Collection is done: what it built stays for the session (see tests/fast_setup.py)."""
    calm_garbage_collector()


class PortalClient(FlaskClient):
    """A test client that behaves like separate requests from a real browser.

    Each request gets its own app context (fresh `g`, its own database session, torn down
    afterwards), as in production; the test's own session is committed first so it holds
    no SQLite write lock, and expired afterwards so it reads what the request wrote.
    Mutating requests carry a valid CSRF token; pass `csrf=False` to send none.
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        method = str(kwargs.get("method", "GET")).upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        outer_session = has_app_context() and current_app._get_current_object() is self.application
        if outer_session:
            db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            if outer_session:
                db.session.expire_all()

    def csrf_token(self) -> str:
        """A token Flask-WTF accepts for this client's session."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


def _postgres_worker_url(worker_id: str) -> str:
    """A database of this xdist worker's own, created afresh for the session."""
    import psycopg

    base = make_url(normalise_database_url(POSTGRES_URL))
    prefix = os.environ.get("PORTAL_TEST_DB_PREFIX", "portal_test")
    name = f"{prefix}_{worker_id}"
    admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
        # Test data needs no crash safety: commits need not wait for the disk (fast_setup.py).
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id) -> str:
    """The PostgreSQL URL for this worker, or a skip when none is configured."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL (CI sets it)")
    return _postgres_worker_url(worker_id)


#: The PostgreSQL schema is built once per worker and emptied after each test.
_POSTGRES_SCHEMA_READY: list[bool] = []


@pytest.fixture(params=DATABASES)
def database(request) -> str:
    """Which database this test runs on: every app test runs on both (but see `no_database`)."""
    return request.param


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "no_database: runs once, on SQLite, and fails if it runs SQL (tests/fast_setup.py)",
    )


@contextmanager
def _no_sql_allowed(request) -> Iterator[None]:
    """Fail a test marked `no_database` that runs SQL: the mark would hide a PostgreSQL run."""
    if request.node.get_closest_marker("no_database") is None:
        yield
        return
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not statements, (
        "a test marked no_database ran SQL; remove the mark so it runs on both databases:\n"
        + "\n".join(statements[:5])
    )


def _test_config(app_config: dict) -> dict:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(app_config)
    return config


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """A SQLite file holding the empty schema, built once per worker; tests start from copies."""
    folder = tmp_path_factory.mktemp("schema")
    path = folder / "portal.sqlite3"
    application = create_app(
        _test_config(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "INSTANCE_PATH": str(folder / "instance"),
                "MAIL_OUTBOX": str(folder / "outbox"),
            }
        )
    )
    with application.app_context():
        db.create_all()
        db.session.remove()
        write_sqlite_template(db.engine, path)
    return path


@pytest.fixture
def app_config(database, tmp_path, request) -> dict:
    """Configuration for one test's app; tests may change it before `app` is built."""
    if database == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "PORTAL_VISIT_MEDIA_FOLDER": str(tmp_path / "visit-media"),
        "MAIL_BACKEND": "file",
        "PORTAL_BASE_URL": "http://localhost",
    }


def _fresh_sqlite_file(url: str, request) -> bool:
    """Start a test's own SQLite file as a copy of the empty schema; False for other URLs."""
    database = make_url(url)
    if database.get_backend_name() != "sqlite" or not database.database:
        return False
    path = Path(database.database)
    if path.parent != request.getfixturevalue("tmp_path"):
        return False
    return copy_sqlite_schema(request.getfixturevalue("sqlite_schema"), path)


@pytest.fixture
def app(app_config, request) -> Iterator:
    """The portal on a fresh schema; PostgreSQL tables are emptied afterwards."""
    config = _test_config(app_config)
    schema_copied = _fresh_sqlite_file(config["SQLALCHEMY_DATABASE_URI"], request)
    application = create_app(config)
    application.test_client_class = PortalClient
    factories.reset_numbers()
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            if not _POSTGRES_SCHEMA_READY:
                db.drop_all()
                db.create_all()
                _POSTGRES_SCHEMA_READY.append(True)
        elif not schema_copied:
            db.create_all()
        with _no_sql_allowed(request):
            yield application
            db.session.remove()
        if db.engine.dialect.name == "postgresql":
            empty_postgres(db.engine, db.metadata.sorted_tables)
        db.engine.dispose()
        forget_compiled_statements(db.engine)


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- Factories: the functions in tests/factories.py, one fixture each -----------------------


@pytest.fixture
def make_user(app):
    """`make_user(email=..., role=Role.ADMIN, password=...)`: a member, an owner by default."""
    return factories.user


@pytest.fixture
def make_owner(app):
    """`make_owner(name=..., tier_level=...)`: an owner."""
    return factories.owner


@pytest.fixture
def make_coordinator(app):
    """`make_coordinator(name=...)`: a coordinator."""
    return factories.coordinator


@pytest.fixture
def owner(app):
    """One owner, Olivia."""
    return factories.owner(name="Olivia Owner", email="olivia@example.com")


@pytest.fixture
def admin_user(app):
    return factories.user(role=Role.ADMIN, name="Alex Admin", email="alex@dealership.example")


@pytest.fixture
def coordinator(app):
    return factories.coordinator(name="Casey Coordinator", email="casey@dealership.example")


@pytest.fixture
def make_vehicle(app):
    """`make_vehicle(owner, purchase_date=..., ...)`: a car in the owner's garage."""
    return factories.vehicle


@pytest.fixture
def add_reading(app):
    """`add_reading(vehicle, on=date, miles=...)`: an odometer reading."""
    return factories.odometer_reading


@pytest.fixture
def add_service(app):
    """`add_service(vehicle, on=date, miles=None, recall_code=None)`: a service record."""
    return factories.service_record


@pytest.fixture
def make_visit_request(app):
    """`make_visit_request(owner, status=..., vehicle=...)`: a service visit request."""
    return factories.visit_request


@pytest.fixture
def make_event(app):
    """`make_event(title, days=10, capacity=10, status=..., seats_taken=0, ...)`: an event."""
    return factories.event


@pytest.fixture
def rsvp_as(app):
    """`rsvp_as(owner, event, guests=0)`: an RSVP placed through the service."""
    return factories.rsvp_as


@pytest.fixture
def add_rsvp(app):
    """`add_rsvp(event, owner, status=RsvpStatus.WAITLISTED)`: an RSVP row as given."""
    return factories.rsvp


@pytest.fixture
def make_referral(app):
    """`make_referral(referrer, name=..., stage=..., days_ago=0, ...)`: a referred friend."""
    return factories.referral


@pytest.fixture
def invite_code(app):
    """`invite_code(owner)`: the owner's current invite code."""
    return factories.invite_code


@pytest.fixture
def make_drive(app):
    """`make_drive(name, goal_amount=..., status=...)`: a charity drive, open by default."""
    return factories.drive


@pytest.fixture
def pledge(app):
    """`pledge(drive, owner, amount, show_name=True)`: a pledge through the service."""
    return factories.pledge


@pytest.fixture
def add_contribution(app):
    """`add_contribution(drive, owner, amount, received=False)`: a pledge row as given."""
    return factories.contribution


@pytest.fixture
def link_events(app):
    """`link_events(drive, event, ...)`: link events to a drive."""
    return factories.link_events


@pytest.fixture
def make_reward(app):
    """`make_reward(name, points_cost=..., stock=...)`: a catalogue entry."""
    return factories.reward


@pytest.fixture
def make_redemption(app):
    """`make_redemption(owner, reward, status=...)`: a redemption row (of a new reward if none)."""
    return factories.redemption


@pytest.fixture
def give_points(app):
    """`give_points(owner, 300)`: credit the owner's ledger."""
    return factories.give_points


@pytest.fixture
def make_announcement(app):
    """`make_announcement(title, ...)`: a published announcement."""
    return factories.announcement


@pytest.fixture
def make_notification(app):
    """`make_notification(owner, ...)`: a sent notification."""
    return factories.notification


@pytest.fixture
def as_admin(login, admin_user):
    login(admin_user)
    return admin_user


@pytest.fixture
def as_coordinator(login, coordinator):
    login(coordinator)
    return coordinator


@pytest.fixture
def login(client):
    """Sign a user in through the real login form: `login(user)`."""

    def do_login(user: User, password: str = TEST_PASSWORD, remember: bool = False):
        response = client.post(
            "/login",
            data={"email": user.email, "password": password, "remember": "y" if remember else ""},
        )
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    return do_login


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a `with count_queries() as counter:` block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


def parse_mail(raw: bytes) -> EmailMessage:
    """A message as a mailbox reads it: the standard policy, with the header classes made
    once (`portal.mail.POLICY`), which parses in two thirds of the time."""
    return BytesParser(policy=MAIL_POLICY).parsebytes(raw)


@pytest.fixture
def outbox(app):
    """The emails the file backend wrote, oldest first, as parsed messages."""

    def read() -> list[EmailMessage]:
        folder = Path(app.config["MAIL_OUTBOX"])
        if not folder.exists():
            return []
        return [parse_mail(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]

    return read


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages: list[EmailMessage] = []
            self.lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            message = parse_mail(envelope.content)
            with self.lock:
                self.messages.append(message)
            return "250 OK"

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    collector.port = controller.port
    try:
        yield collector
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served by a threaded WSGI server on loopback; yields its base URL.

    Call `db.session.commit()` (or `.rollback()`) before sending it requests: on SQLite an
    open transaction in the test holds the write lock (BEGIN IMMEDIATE) and the server waits.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # The loop notices `shutdown()` only between polls: the default half second was the
    # teardown of every test with a server (a quarter of a second each, on average).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched once per worker; skips with a reason when it is missing."""
    if CHROMIUM is None:
        pytest.skip("browser tests need Chromium (`apt-get install chromium`; CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """A Playwright page of its own (a fresh context: no cookies, no storage) in Chromium."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


#: axe's options, as axe_playwright_python passes them: only the violations come back.
AXE_OPTIONS = {"resultTypes": ["violations"]}
#: axe.run with the rules of minor and moderate impact switched off. Since axe-core 4.8 each
#: rule has one impact, and every violation it finds has that impact, so those rules could
#: only find what the check below ignores. Without them (the region and landmark rules among
#: them) a run on an admin page takes about 15 % less.
AXE_RUN = """options => {
  const rules = {};
  for (const rule of axe._audit.rules) {
    if (rule.impact === "minor" || rule.impact === "moderate") rules[rule.id] = {enabled: false};
  }
  return axe.run({...options, rules});
}"""


@pytest.fixture
def axe_check():
    """Run axe on a page and fail on serious or critical violations.

    axe is injected into a page that does not have it yet; a context that loads it on every
    page (`context.add_init_script(AXE_SCRIPT)`, as the phone walker does) skips that step.
    """
    from axe_playwright_python.base import AXE_SCRIPT

    def check(page) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(AXE_SCRIPT)
        results = page.evaluate(AXE_RUN, AXE_OPTIONS)
        bad = [
            f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes: "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            + ")"
            for violation in results["violations"]
            if violation.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(bad)

    return check
