"""Every page that is not public asks a visitor to sign in; built from the URL map."""

import pytest

from portal import create_app
from portal.config import TestConfig
from tests.fast_setup import no_database

#: Endpoints a visitor may open without an account (prospects, links from emails, feeds).
PUBLIC_ENDPOINTS = {
    "static",
    "healthz",
    "home.index",
    "accounts.register",
    "accounts.login",
    "accounts.logout",
    "accounts.verify_email",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.claim_account",
    "notifications.preferences",
    "notifications.unsubscribe",
    "events.index",
    "events.show",
    "events.event_ics",
    "events.feed",
    "events.guest_rsvp",
    "events.guest_confirm",
    "events.guest_confirm_post",
    "events.guest_cancel",
    "events.guest_cancel_post",
    "referrals.landing",
    "referrals.landing_thanks",
    "rewards.ambassadors",
    "charity.index",
    "charity.drive",
    "charity.cover",
    "community.index",
    "feedback.answer_link",
}


def _rules(public: bool = False):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app = create_app(config)
    for rule in app.url_map.iter_rules():
        if (rule.endpoint in PUBLIC_ENDPOINTS) != public or rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
            path = path.replace(f"<path:{argument}>", "1").replace(f"<string:{argument}>", "1")
        yield pytest.param(method, path, id=f"{method} {rule.rule}")


@no_database  # the sign-in check comes before any query: one database is enough
@pytest.mark.parametrize(("method", "path"), list(_rules()))
def test_visitors_are_sent_to_sign_in(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 302, f"{path} answered {response.status_code}"
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), list(_rules(public=True)))
def test_public_pages_answer_visitors_without_error(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code in (200, 302, 303, 404), f"{path} answered {response.status_code}"
