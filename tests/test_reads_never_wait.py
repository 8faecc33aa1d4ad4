"""Pages open while another transaction holds the write lock: reads never wait for writes.

A writer takes the lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a row lock on the owner) and
holds it until the reader has finished. The busy timeout is zero, so a request that needed
the lock would fail at once with "database is locked" instead of waiting: nothing here
depends on timing. The control shows the test catches requests that begin as writers.
"""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import update

from portal import db as portal_db
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.slow

PAGES = ["/", "/garage", "/events", "/inbox", "/community", "/account/profile"]


@pytest.fixture
def no_busy_wait(app, monkeypatch):
    """SQLite connections that fail at once on a lock instead of waiting for it."""
    monkeypatch.setattr(portal_db, "SQLITE_BUSY_TIMEOUT_MS", 0)
    db.engine.dispose()
    yield
    db.engine.dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _signed_in(base: str, email: str):
    """A browser signed in as `email`: returns get(path) -> (status, body)."""
    db.session.commit()  # the test's own session holds no lock while the server signs in
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "email": email, "password": TEST_PASSWORD}
    try:
        opener.open(base + "/login", urllib.parse.urlencode(form).encode())
    except urllib.error.HTTPError as error:
        assert error.code == 303

    def get(path: str) -> tuple[int, str]:
        try:
            with opener.open(base + path) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    return get


def _read_while_a_writer_holds_the_lock(app, owner_id: int, read) -> tuple[list, bool]:
    """Run `read()` while another thread holds the write lock; returns (its result, whether
    the lock was still held when it finished)."""
    locked, reader_done = threading.Event(), threading.Event()
    held_throughout = []

    def writer():
        with app.app_context():
            db.session.execute(update(User).where(User.id == owner_id).values(phone="+12025550199"))
            locked.set()
            held_throughout.append(reader_done.wait(timeout=120))
            db.session.rollback()
            db.session.remove()

    db.session.commit()  # the test's own session holds no lock
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(timeout=60), "the writer never got the lock"
        result = read()
    finally:
        reader_done.set()
        thread.join(timeout=60)
    return result, held_throughout == [True]


def test_pages_open_while_a_writer_holds_the_lock(app, live_server, make_owner, no_busy_wait):
    owner = make_owner()
    get = _signed_in(live_server, owner.email)
    answers, held = _read_while_a_writer_holds_the_lock(
        app, owner.id, lambda: [(path, *get(path)) for path in PAGES]
    )
    assert held, "the writer let go of the lock before the reader finished"
    for path, status, body in answers:
        assert status == 200, f"{path} answered {status}: {body[:500]}"
        assert "database is locked" not in body


def test_control_requests_that_begin_as_writers_fail_while_the_lock_is_held(
    app, live_server, make_owner, no_busy_wait, monkeypatch
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock to wait for")
    owner = make_owner()
    get = _signed_in(live_server, owner.email)
    monkeypatch.setattr(portal_db, "begins_read_only", lambda: False)
    answers, _ = _read_while_a_writer_holds_the_lock(app, owner.id, lambda: get("/garage"))
    assert answers[0] == 500, "a GET that takes the write lock should have failed here"
