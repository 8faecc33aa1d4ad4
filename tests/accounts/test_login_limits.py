"""Sign-in and reset limits protect owners: a stranger's guesses never lock the owner out."""

import html

import pytest

from portal.limits import wait_in_words
from tests.conftest import TEST_PASSWORD

STRANGER = "203.0.113.66"
OWNER_HOME = "198.51.100.7"
PROXY = {"REMOTE_ADDR": "10.9.9.9"}  # every request reaches the app through one proxy


@pytest.fixture
def behind_one_proxy(app_config):
    app_config["PORTAL_PROXY_HOPS"] = 1


def _sign_in(app, email: str, password: str, address: str):
    """One sign-in from a fresh browser at `address`, as the proxy forwards it."""
    return app.test_client().post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
        environ_base=PROXY,
    )


def _guess(app, email: str, address: str, attempts: int = 1) -> list[int]:
    return [_sign_in(app, email, f"wrong guess {n}", address).status_code for n in range(attempts)]


def _says_when(response) -> int:
    """The 429's wait: in the Retry-After header, and in words on the page."""
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    page = html.unescape(response.get_data(as_text=True))
    said = {wait_in_words(seconds), wait_in_words(seconds + 1)}
    assert any(f"Please try again {words}." in page for words in said)
    return seconds


def test_the_owner_signs_in_while_a_stranger_is_refused(behind_one_proxy, app, make_owner):
    owner = make_owner()
    assert _guess(app, owner.email, STRANGER, 5) == [200] * 5
    refused = _sign_in(app, owner.email, TEST_PASSWORD, STRANGER)
    assert 0 < _says_when(refused) <= 60
    assert _sign_in(app, owner.email, TEST_PASSWORD, OWNER_HOME).status_code == 303
    # The owner's sign-in lifts nothing from the stranger's address.
    assert _guess(app, owner.email, STRANGER) == [429]
    assert _sign_in(app, owner.email, TEST_PASSWORD, OWNER_HOME).status_code == 303


def test_sign_ins_do_not_count_only_failures_do(behind_one_proxy, app, make_owner):
    owner = make_owner()
    for _ in range(6):
        assert _sign_in(app, owner.email, TEST_PASSWORD, OWNER_HOME).status_code == 303
    assert _guess(app, owner.email, OWNER_HOME, 5) == [200] * 5
    assert _guess(app, owner.email, OWNER_HOME) == [429]


def test_the_stranger_limit_is_per_account(behind_one_proxy, app, make_owner):
    owner, other = make_owner(), make_owner()
    assert _guess(app, owner.email, STRANGER, 6)[-1] == 429
    assert _guess(app, other.email, STRANGER) == [200]


def test_a_hundred_failures_from_anywhere_block_the_account(behind_one_proxy, app, make_owner):
    owner, other = make_owner(), make_owner()
    statuses = [
        _sign_in(app, owner.email, "wrong guess", f"203.0.{n // 200}.{n % 200 + 1}").status_code
        for n in range(100)
    ]
    assert statuses == [200] * 100
    blocked = _sign_in(app, owner.email, TEST_PASSWORD, OWNER_HOME)
    assert 60 < _says_when(blocked) <= 3600
    assert _sign_in(app, other.email, TEST_PASSWORD, OWNER_HOME).status_code == 303


def test_reset_requests_for_one_account_are_limited_across_addresses(
    behind_one_proxy, app, make_owner, outbox
):
    owner = make_owner()
    statuses = [
        app.test_client()
        .post(
            "/forgot-password",
            data={"email": owner.email},
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            environ_base=PROXY,
        )
        .status_code
        for n in range(6)
    ]
    assert statuses == [303] * 5 + [429]
    assert len(outbox()) == 5
    refused = app.test_client().post(
        "/forgot-password",
        data={"email": owner.email},
        headers={"X-Forwarded-For": "203.0.113.200"},
        environ_base=PROXY,
    )
    assert 15 * 60 < _says_when(refused) <= 3600
    assert len(outbox()) == 5
