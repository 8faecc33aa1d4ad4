"""Several owners registering the same VIN at the same moment: exactly one gets it."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.extensions import db
from portal.garage import services
from portal.garage.models import Vehicle
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.slow

OWNERS = 6


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_browser(base: str, email: str):
    """An opener with its own cookie jar, signed in as `email`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def token(path: str) -> str:
        html = opener.open(base + path).read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def post(path: str, data: dict) -> int:
        body = urllib.parse.urlencode({"csrf_token": token(path), **data}).encode()
        try:
            return opener.open(base + path, body).status
        except urllib.error.HTTPError as error:
            return error.code

    assert post("/login", {"email": email, "password": TEST_PASSWORD}) == 303
    return token, opener


def race_for_the_same_vin(live_server, owners, vin: str) -> list[int]:
    emails = [owner.email for owner in owners]
    db.session.commit()  # on SQLite an open test transaction would hold the write lock
    browsers = [signed_in_browser(live_server, email) for email in emails]
    tokens = [token("/garage/add") for token, _ in browsers]
    start = threading.Barrier(len(browsers))

    def add(index: int) -> int:
        _, opener = browsers[index]
        body = urllib.parse.urlencode(
            {"csrf_token": tokens[index], "vin": vin, "model": "Outback"}
        ).encode()
        start.wait()
        try:
            return opener.open(f"{live_server}/garage/add", body).status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(len(browsers)) as pool:
        return list(pool.map(add, range(len(browsers))))


def test_one_of_six_owners_racing_for_a_vin_gets_it(live_server, make_owner, vin_for):
    owners = [make_owner() for _ in range(OWNERS)]
    statuses = race_for_the_same_vin(live_server, owners, vin_for(77))
    assert sorted(statuses) == [303] + [422] * (OWNERS - 1)
    assert db.session.scalar(db.select(db.func.count()).select_from(Vehicle)) == 1


def test_control_without_the_savepoint_guard_a_race_ends_in_server_errors(
    live_server, make_owner, vin_for, monkeypatch
):
    # Switch off the pre-check and the translation of the index violation: the index still
    # keeps one car per VIN, but losers now get 500s, which is what the guard prevents.
    monkeypatch.setattr(services, "_refuse_registered_vin", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        services, "_write_guarding_vin", lambda session, write: (write(), session.flush())
    )
    owners = [make_owner() for _ in range(OWNERS)]
    statuses = race_for_the_same_vin(live_server, owners, vin_for(78))
    assert statuses.count(303) == 1
    assert 500 in statuses
