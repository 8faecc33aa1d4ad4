"""Thirty owners pledging at the same moment: the drive's running total adds up exactly."""

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.charity import queries, services, tally
from portal.dealership.queries import read_settings
from portal.dealership.services import write_settings
from portal.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.rendezvous import Rendezvous

OWNERS = 30
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
pytestmark = pytest.mark.slow


@pytest.fixture
def app_config(app_config):
    """Thirty sign-ins from one address would trip the login rate limit."""
    return {**app_config, "RATELIMIT_ENABLED": False}


class OwnerBrowser:
    """One owner's cookie jar and CSRF token, like one browser."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=60) as response:
            html = response.read().decode()
        self.token = TOKEN.search(html).group(1)
        return html

    def post(self, path: str, fields: dict, htmx: bool = False) -> int:
        request = urllib.request.Request(  # noqa: S310 - the loopback live server
            self.base_url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"X-CSRFToken": self.token, **({"HX-Request": "true"} if htmx else {})},
        )
        with self.opener.open(request, timeout=60) as response:
            return response.status

    def sign_in(self, email: str) -> None:
        self.get("/login")
        self.post("/login", {"email": email, "password": TEST_PASSWORD})


def _pledge_all_at_once(live_server, drive, owners) -> tuple[list[int], int]:
    """Each owner signs in, then all pledge together; returns statuses and the expected sum."""
    emails, path = [owner.email for owner in owners], f"/drives/{drive.id}"
    # Read everything first: touching an expired object after the commit would start a
    # transaction, and on SQLite that is the write lock the server then waits for.
    db.session.commit()
    browsers = []
    for email in emails:
        browser = OwnerBrowser(live_server)
        browser.sign_in(email)
        browser.get(path)
        browsers.append(browser)
    amounts = [10 + index for index in range(len(emails))]
    start = threading.Barrier(len(emails))

    def pledge(args):
        browser, amount = args
        start.wait()
        return browser.post(
            f"{path}/pledge",
            {"amount": str(amount), "recognition": "anonymous"},
            htmx=True,
        )

    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        statuses = list(pool.map(pledge, zip(browsers, amounts, strict=True)))
    return statuses, sum(amounts) * 100


def test_thirty_concurrent_pledges_add_up_exactly(live_server, make_drive, make_owner):
    drive = make_drive(goal_amount=100_00)
    owners = [make_owner() for _ in range(OWNERS)]
    statuses, expected = _pledge_all_at_once(live_server, drive, owners)
    assert statuses == [200] * OWNERS
    totals = queries.drive_totals(db.session, drive)
    assert totals.contributions == OWNERS
    assert totals.participants == OWNERS
    assert totals.owners_pledged == expected
    # The running totals each pledge added to agree with the sums over the pledges.
    assert tally.stored_totals(db.session, [drive.id]) == tally.summed_totals(
        db.session, [drive.id]
    )


def test_control_a_stored_counter_loses_pledges_under_the_same_load(
    live_server, make_drive, make_owner, monkeypatch
):
    """The harness really races: a read-then-write counter beside the pledges loses some."""
    drive = make_drive(goal_amount=100_00)
    owners = [make_owner() for _ in range(OWNERS)]
    key = {"charity.naive_counter": 0}
    write_settings(db.session, key)
    db.session.commit()
    record_pledge = services.record_pledge

    counters = Rendezvous(2)  # two pledges read the counter before either writes it

    def pledge_with_counter(session, **kwargs):
        before = read_settings(session, key)["charity.naive_counter"]
        session.commit()  # what an ORM read early in a request, written later, amounts to
        counters.meet()
        write_settings(session, {"charity.naive_counter": before + kwargs["amount"]})
        return record_pledge(session, **kwargs)

    monkeypatch.setattr(services, "record_pledge", pledge_with_counter)
    statuses, expected = _pledge_all_at_once(live_server, drive, owners)
    assert statuses == [200] * OWNERS
    db.session.expire_all()
    assert queries.drive_totals(db.session, drive).owners_pledged == expected
    assert read_settings(db.session, key)["charity.naive_counter"] < expected
