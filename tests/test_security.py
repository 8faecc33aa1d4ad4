"""The security baseline: CSRF, cookies, headers, safe redirects, rate limits, start-up."""

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, TestConfig
from portal.security import is_safe_next
from tests.conftest import TEST_PASSWORD


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client, make_owner):
    owner = make_owner()
    response = client.post(
        "/login", data={"email": owner.email, "password": TEST_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert client.get("/account/profile").status_code == 302


def test_htmx_style_header_token_is_accepted(client, make_owner):
    owner = make_owner()
    response = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 303


def test_body_carries_the_csrf_header_for_htmx(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_session_cookie_is_httponly_and_lax(client, make_owner, login):
    response = login(make_owner())
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_dev_key_refused(monkeypatch, tmp_path):
    class Production(TestConfig):
        ENV_NAME = "production"
        SECRET_KEY = DEV_SECRET_KEY
        INSTANCE_PATH = str(tmp_path)
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"

    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        create_app(Production)

    monkeypatch.setenv("PORTAL_ENV", "production")
    import importlib

    import portal.config

    reloaded = importlib.reload(portal.config)
    try:
        assert reloaded.Config.SESSION_COOKIE_SECURE is True
        assert reloaded.Config.REMEMBER_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("PORTAL_ENV")
        importlib.reload(portal.config)


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
        None,
    ],
)
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/garage", "/events?kind=clinic"])
def test_same_site_paths_are_allowed(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, make_owner, target):
    owner = make_owner()
    response = client.post(
        "/login", data={"email": owner.email, "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_follows_a_safe_next(client, make_owner):
    owner = make_owner()
    response = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD, "next": "/account/profile"},
    )
    assert response.headers["Location"] == "/account/profile"


def test_login_is_rate_limited_per_account(client, make_owner):
    owner = make_owner()
    statuses = [
        client.post(
            "/login",
            data={"email": owner.email, "password": "wrong guess " + str(attempt)},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"},
        ).status_code
        for attempt in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    page = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert page.status_code == 429
    assert "short pause" in page.get_data(as_text=True)


def test_login_is_rate_limited_per_address(client):
    statuses = [
        client.post(
            "/login", data={"email": f"guess{n}@example.com", "password": "not a real one"}
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
