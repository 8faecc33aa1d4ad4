"""The security baseline: CSRF, cookies, headers, safe redirects, rate limits, start-up."""

import re

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, TestConfig
from portal.security import CONTENT_SECURITY_POLICY, is_safe_next
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


def test_security_headers_on_a_post_an_error_and_a_redirect(client, make_owner):
    owner = make_owner()
    responses = [
        client.post("/login", data={"email": owner.email, "password": "wrong"}),
        client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD}),
        client.get("/events/2147483647"),
        client.get("/garage?page=%00"),
    ]
    assert [response.status_code for response in responses] == [200, 303, 404, 400]
    for response in responses:
        assert response.headers.getlist("X-Frame-Options") == ["DENY"]
        assert response.headers.getlist("Content-Security-Policy") == [CONTENT_SECURITY_POLICY]


def test_a_header_the_response_set_itself_is_kept_once(app):
    @app.get("/test-own-headers")
    def own_headers():
        return "", 200, {"X-Frame-Options": "SAMEORIGIN", "Vary": "Accept-Language"}

    @app.get("/test-vary-anything")
    def vary_anything():
        return "", 200, {"Vary": "*"}

    client = app.test_client()
    own = client.get("/test-own-headers").headers
    assert own.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    [vary] = own.getlist("Vary")  # one header, extended
    assert vary.startswith("HX-Request, Accept-Language")
    assert own["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "HX-Request" not in client.get("/test-vary-anything").headers["Vary"]


def test_reads_vary_on_htmx_and_on_the_cookie_writes_do_not_vary_on_htmx(client, make_owner, login):
    owner = make_owner()
    login(owner)
    for response in (client.get("/garage"), client.head("/garage")):
        assert response.status_code == 200
        assert response.headers.getlist("Vary") == ["HX-Request, Cookie"]
    posted = client.post("/account/profile", data={"name": ""})
    assert "HX-Request" not in posted.headers.get("Vary", "")


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


def test_login_failures_are_limited_per_account_and_address(client, make_owner):
    owner = make_owner()
    statuses = [
        client.post(
            "/login",
            data={"email": owner.email, "password": "wrong guess " + str(attempt)},
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        for attempt in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    page = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert page.status_code == 429
    assert "short pause" in page.get_data(as_text=True)
    # The owner elsewhere is not locked out by the guesses from 10.0.0.7.
    elsewhere = client.post(
        "/login",
        data={"email": owner.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert elsewhere.status_code == 303


def test_login_is_rate_limited_per_address(client):
    statuses = [
        client.post(
            "/login", data={"email": f"guess{n}@example.com", "password": "not a real one"}
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_hsts_in_production_only(tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        ENV_NAME="production",
        SECRET_KEY="a-long-random-production-key-for-this-test",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        INSTANCE_PATH=str(tmp_path),
    )
    production = create_app(config)
    hsts = production.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert "includeSubDomains" in hsts
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 24 * 3600


PROXY = {"REMOTE_ADDR": "10.9.9.9"}  # every request reaches the app from the same proxy


def _fail_logins(client, forwarded_for: str, attempts: int) -> list[int]:
    return [
        client.post(
            "/login",
            data={"email": f"guess{number}@example.com", "password": "not a real one"},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base=PROXY,
        ).status_code
        for number in range(attempts)
    ]


@pytest.fixture
def behind_one_proxy(app_config):
    app_config["PORTAL_PROXY_HOPS"] = 1


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(behind_one_proxy, client):
    assert _fail_logins(client, "203.0.113.1", 21)[-1] == 429
    assert _fail_logins(client, "203.0.113.2", 1) == [200]


def test_without_trusted_proxies_x_forwarded_for_changes_nothing(client):
    assert _fail_logins(client, "203.0.113.1", 21)[-1] == 429
    assert _fail_logins(client, "203.0.113.2", 1) == [429]


def _reset_link(client, outbox, owner, headers) -> str:
    client.post("/forgot-password", data={"email": owner.email}, headers=headers)
    body = outbox()[-1].get_body(preferencelist=("plain",)).get_content()
    return next(word for word in body.split() if "/reset-password/" in word)


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "club.dealership.example"}


def _feed_link(client, owner, headers) -> str:
    """The calendar address the owner's profile page offers, asked through `headers`."""
    login = {"email": owner.email, "password": TEST_PASSWORD}
    assert client.post("/login", data=login, headers=headers).status_code == 303
    assert client.post("/calendar/feed", headers=headers).status_code == 303
    page = client.get("/account/profile", headers=headers).get_data(as_text=True)
    return re.search(r'value="(https?://[^/"]+/calendar/)', page).group(1)


def test_behind_a_trusted_proxy_pages_link_with_the_real_scheme_and_host(
    behind_one_proxy, client, make_owner
):
    # Over https Flask-WTF wants a same-site Referer, as a browser sends.
    headers = {
        **FORWARDED,
        "X-Forwarded-For": "203.0.113.7",
        "Referer": "https://club.dealership.example/account/profile",
    }
    link = _feed_link(client, make_owner(), headers)
    assert link == "https://club.dealership.example/calendar/"


def test_without_trusted_proxies_forwarded_scheme_and_host_are_ignored(client, make_owner):
    assert _feed_link(client, make_owner(), FORWARDED) == "http://localhost/calendar/"


def test_links_in_emails_use_the_configured_address_whatever_the_request_says(
    app, behind_one_proxy, client, make_owner, outbox
):
    app.config["PORTAL_BASE_URL"] = "https://owners.lakeside.example"
    headers = {**FORWARDED, "Referer": "https://club.dealership.example/forgot-password"}
    link = _reset_link(client, outbox, make_owner(), headers)
    assert link.startswith("https://owners.lakeside.example/reset-password/")


def test_session_protection_costs_nothing_while_off_and_holds_when_turned_on(
    app, client, make_owner, login, monkeypatch
):
    from portal.extensions import login_manager

    owner = make_owner()
    login(owner)
    fingerprints = []
    fingerprint = login_manager._session_identifier_generator
    monkeypatch.setattr(
        login_manager,
        "_session_identifier_generator",
        lambda: fingerprints.append(1) or fingerprint(),
    )

    assert client.get("/garage").status_code == 200
    assert fingerprints == []

    app.config["SESSION_PROTECTION"] = "strong"
    assert client.get("/garage").status_code == 200
    elsewhere = client.get("/garage", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert elsewhere.status_code == 302
    assert fingerprints


@pytest.mark.parametrize(
    "url", ["/events%00", "/events/1%00", "/events?page=%00", "/events?%00=1", "/community?a=b%00c"]
)
def test_a_nul_anywhere_in_the_url_is_refused_before_any_query(client, url):
    assert client.get(url).status_code == 400


def test_a_percent_sign_written_before_00_is_not_a_nul(client):
    # `%2500` is "%00" as text: a search may hold it.
    assert client.get("/events?page=1&q=%2500").status_code == 200
