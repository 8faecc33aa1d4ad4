"""Signing in and out: logout really ends the session, password changes end the others."""

from datetime import UTC, datetime, timedelta

from werkzeug.http import parse_date

from portal.accounts.services.members import hash_password
from portal.extensions import db
from tests.conftest import TEST_PASSWORD, PortalClient


def test_login_with_wrong_password_says_so_next_to_the_field(client, make_owner):
    owner = make_owner()
    response = client.post("/login", data={"email": owner.email, "password": "not it at all!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in page
    assert client.get("/account/profile").status_code == 302


def test_session_cookie_copied_before_logout_stops_working(app, client, make_owner, login):
    owner = make_owner()
    login(owner)
    assert client.get("/account/profile").status_code == 200
    stolen_cookie = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen_cookie)
    response = thief.get("/account/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_request_sent_before_signing_in_and_answered_after_does_not_sign_out(
    client, make_owner, login
):
    """The browser asks for the login page's favicon (or any page) with the cookie it had
    before signing in; when that answer lands after the sign-in, its Set-Cookie would
    replace the signed-in one. Such answers must leave the cookie alone."""
    owner = make_owner()
    assert client.get("/login").status_code == 200
    before_sign_in = client.get_cookie("session").value
    login(owner)
    signed_in = client.get_cookie("session").value
    straggler = client.application.test_client()
    straggler.set_cookie("session", before_sign_in)
    for path in ("/favicon.ico", "/", "/events"):
        response = straggler.get(path, headers={"User-Agent": "the same browser, a new tab"})
        assert response.headers.getlist("Set-Cookie") == [], path
    assert client.get_cookie("session").value == signed_in
    assert client.get("/account/profile").status_code == 200


def test_pages_name_an_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page
    icon = page.split('rel="icon" href="')[1].split('"')[0]
    assert client.get(icon).status_code == 200


def test_remember_me_cookie_lasts_at_most_30_days_and_is_httponly(client, make_owner, login):
    owner = make_owner()
    response = login(owner, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(cookie for cookie in cookies if cookie.startswith("remember_token="))
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    expires = parse_date(remember.split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) <= timedelta(days=30)


def test_remember_cookie_alone_signs_in_until_logout(app, client, make_owner, login):
    owner = make_owner()
    login(owner, remember=True)
    remember = client.get_cookie("remember_token").value
    returning = app.test_client()
    returning.set_cookie("remember_token", remember)
    assert returning.get("/account/profile").status_code == 200
    client.post("/logout")
    later = app.test_client()
    later.set_cookie("remember_token", remember)
    assert later.get("/account/profile").status_code == 302


def test_changing_password_ends_other_sessions_but_keeps_this_one(app, make_owner):
    owner = make_owner()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    response = laptop.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 303
    assert laptop.get("/account/profile").status_code == 200
    assert phone.get("/account/profile").status_code == 302


def test_wrong_current_password_changes_nothing(client, make_owner, login):
    owner = make_owner()
    login(owner)
    before = owner.password_hash
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert 'id="current_password-error"' in response.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.password_hash == before


def test_weaker_hash_is_upgraded_on_login(app, client, make_owner):
    owner = make_owner(password_hash=hash_password(TEST_PASSWORD, "scrypt:512:8:1"))
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    db.session.refresh(owner)
    assert owner.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


def test_deactivated_account_cannot_sign_in(client, make_owner):
    from portal import clock

    owner = make_owner(deactivated_at=clock.now())
    response = client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert client.get("/account/profile").status_code == 302


def test_client_class_is_the_csrf_aware_one(client):
    assert isinstance(client, PortalClient)
