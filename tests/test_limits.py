"""Every 429 says when to try again: a `Retry-After` header and the same moment in words."""

import html

import pytest
from werkzeug.exceptions import TooManyRequests

from portal.limits import wait_in_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "in about a minute"),
        (60, "in about a minute"),
        (61, "in about 2 minutes"),
        (899, "in about 15 minutes"),
        (3400, "in about an hour"),
        (3600, "in about an hour"),
        (3 * 3600, "in about 3 hours"),
    ],
)
def test_waits_in_words(seconds, words):
    assert wait_in_words(seconds) == words


def _said(seconds: int) -> set[str]:
    # Flask-Limiter rewrites the header a moment after the page is written: the clock may
    # have crossed into the next second in between.
    return {wait_in_words(seconds), wait_in_words(seconds + 1)}


def _retry_after(response) -> int:
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    page = html.unescape(response.get_data(as_text=True))
    assert any(f"Please try again {words}." in page for words in _said(seconds))
    return seconds


def test_a_refused_sign_in_says_when_to_try_again(client):
    data = {"email": "someone@example.com", "password": "not the password"}
    responses = [client.post("/login", data=data) for _ in range(6)]
    assert 0 < _retry_after(responses[-1]) <= 60  # the "5 per minute" limit per email


def test_a_refused_reset_request_says_when_to_try_again(client):
    responses = [
        client.post("/forgot-password", data={"email": "nobody@example.com"}) for _ in range(6)
    ]
    assert 60 < _retry_after(responses[-1]) <= 15 * 60  # "5 per 15 minutes"


def test_json_clients_get_the_wait_too(client):
    data = {"email": "someone@example.com", "password": "not the password"}
    for _ in range(5):
        client.post("/login", data=data)
    response = client.post("/login", data=data, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.json["retry_after"] - int(response.headers["Retry-After"]) in (0, 1)


def test_a_429_that_names_its_own_wait_keeps_it(app, client):
    @app.get("/busy-for-test")
    def busy():
        raise TooManyRequests(retry_after=120)

    response = client.get("/busy-for-test")
    assert response.headers["Retry-After"] == "120"
    assert "Please try again in about 2 minutes." in response.get_data(as_text=True)
