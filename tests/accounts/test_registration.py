"""Signing up, confirming the email, and the rules on passwords."""

import re

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db

GOOD = {
    "name": "Priya Patel",
    "email": "Priya@Example.com",
    "password": "a long enough passphrase",
    "confirm": "a long enough passphrase",
}


def _link_from(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/verify/\S+)", body).group(1)


def test_registration_creates_owner_signs_in_and_sends_verification(client, outbox):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 303
    user = db.session.scalar(select(User))
    assert user.email == "priya@example.com"
    assert user.role == "owner"
    assert user.password_hash.startswith("scrypt:")
    assert user.email_verified_at is None
    assert user.last_login_at is not None  # signing up signs them in
    home = client.get("/")
    assert "Hello, Priya" in home.get_data(as_text=True)
    [message] = outbox()
    assert message["To"] == "priya@example.com"
    assert message.get_body(preferencelist=("html",)) is not None


def test_verification_link_confirms_once(client, outbox):
    client.post("/register", data=GOOD)
    link = _link_from(outbox()[0])
    first = client.get(link, follow_redirects=True)
    assert "your email is confirmed" in first.get_data(as_text=True)
    assert db.session.scalar(select(User)).email_verified_at is not None
    second = client.get(link, follow_redirects=True)
    assert "already used" in second.get_data(as_text=True)


def test_tampered_verification_link_is_refused(client, outbox):
    client.post("/register", data=GOOD)
    link = _link_from(outbox()[0])
    response = client.get(link[:-3] + "xyz", follow_redirects=True)
    assert "expired or is not valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)).email_verified_at is None


def test_short_password_is_refused_next_to_the_field(client):
    data = dict(GOOD, password="elevenchars", confirm="elevenchars")
    response = client.post("/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in page
    assert "at least 12 characters" in page
    assert db.session.scalar(select(User)) is None


def test_long_password_is_kept_whole_not_truncated(client, make_owner, login):
    passphrase = "word " * 40  # 200 characters
    client.post("/register", data=dict(GOOD, password=passphrase, confirm=passphrase))
    client.post("/logout")
    wrong = client.post("/login", data={"email": GOOD["email"], "password": passphrase[:-1] + "x"})
    assert wrong.status_code == 200
    right = client.post("/login", data={"email": GOOD["email"], "password": passphrase})
    assert right.status_code == 303


def test_taken_email_is_refused_with_a_way_forward(client, make_owner):
    make_owner(email="priya@example.com")
    response = client.post("/register", data=GOOD)
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert "reset your password" in page
    assert len(db.session.scalars(select(User)).all()) == 1


def test_mismatched_passwords_change_nothing(client):
    response = client.post("/register", data=dict(GOOD, confirm="something else entirely"))
    assert "The two passwords differ" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None
