"""Ten parallel copies of one pledge form, then one more: one pledge, and the same answer."""

import re
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.charity.models import Contribution
from portal.extensions import db
from tests.charity.test_concurrent_pledges import OwnerBrowser

COPIES = 10
pytestmark = pytest.mark.slow


@pytest.fixture
def app_config(app_config):
    """Eleven posts from one address must not trip a rate limit."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def _form_token(html: str) -> str:
    """The one-time token of the pledge form on the page."""
    match = re.search(r'<input[^>]*name="token"[^>]*>', html)
    assert match, "the pledge form carries a one-time token"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


class Poster(OwnerBrowser):
    """The owner's browser, keeping the response body (the thank-you) as well."""

    def post_text(self, path: str, fields: dict) -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 - the loopback live server
            self.base_url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"X-CSRFToken": self.token, "HX-Request": "true"},
        )
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()


def _submit_copies(live_server, drive, owner, with_token: bool) -> list[tuple[int, str]]:
    """One owner's form, posted COPIES times at once, then once more afterwards."""
    # Read before committing: touching an expired object afterwards would open a
    # transaction, and on SQLite that holds the write lock the server then waits for.
    path, email = f"/drives/{drive.id}", owner.email
    db.session.commit()
    browser = Poster(live_server)
    browser.sign_in(email)
    html = browser.get(path)
    fields = {"amount": "25", "recognition": "anonymous"}
    if with_token:
        fields["token"] = _form_token(html)
    start = threading.Barrier(COPIES)

    def submit(_):
        start.wait()
        return browser.post_text(f"{path}/pledge", fields)

    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        answers = list(pool.map(submit, range(COPIES)))
    answers.append(browser.post_text(f"{path}/pledge", fields))
    return answers


def _pledges(drive_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Contribution).where(Contribution.drive_id == drive_id)
    )


def test_ten_parallel_copies_of_one_form_make_one_pledge(live_server, make_drive, make_owner):
    drive = make_drive(goal_amount=100_00)
    owner = make_owner()
    drive_id = drive.id
    answers = _submit_copies(live_server, drive, owner, with_token=True)
    assert [status for status, _ in answers] == [200] * (COPIES + 1)
    assert _pledges(drive_id) == 1
    # Every copy, including the late one, shows the first pledge's thank-you.
    assert all("Your pledge of $25 is on the board." in body for _, body in answers)


def test_control_without_the_token_every_copy_pledges(live_server, make_drive, make_owner):
    """The harness really submits in parallel: without the token, each copy counts."""
    drive = make_drive(goal_amount=100_00)
    owner = make_owner()
    drive_id = drive.id
    answers = _submit_copies(live_server, drive, owner, with_token=False)
    assert [status for status, _ in answers] == [200] * (COPIES + 1)
    assert _pledges(drive_id) == COPIES + 1


def test_a_fresh_form_after_a_pledge_pledges_again(live_server, make_drive, make_owner):
    """Pledging again on purpose still works: the box after a pledge has a new token."""
    drive = make_drive(goal_amount=100_00)
    owner = make_owner()
    drive_id, email = drive.id, owner.email
    db.session.commit()
    browser = Poster(live_server)
    browser.sign_in(email)
    path = f"/drives/{drive_id}"
    fields = {"amount": "5", "recognition": "anonymous", "token": _form_token(browser.get(path))}
    _, body = browser.post_text(f"{path}/pledge", fields)
    second = {**fields, "token": _form_token(body)}
    assert second["token"] != fields["token"]
    browser.post_text(f"{path}/pledge", second)
    assert _pledges(drive_id) == 2
