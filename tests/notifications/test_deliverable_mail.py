"""Mail that providers accept: List-Unsubscribe read as a URL, one-click unsubscribe, safe links."""

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from flask import current_app

from portal import clock
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.models import ContactChannel, DeliveryStatus, Notification
from portal.notifications.rules import CATEGORY_FOR_KIND
from portal.notifications.services import notify
from portal.security import sign

BASE = "https://owners.example"

#: Every kind of message the portal sends by email, with and without a consent behind it.
KINDS = [
    *CATEGORY_FOR_KIND,
    "event_changed",
    "event_cancelled",
    "event_promoted",
    "referral",
    "reward",
    "charity",
    "account",
]

ONE_LINE = re.compile(rb"^List-Unsubscribe: <(https://[!-=?-~]+)>\r?$", re.MULTILINE)


@pytest.fixture
def app_config(app_config):
    """The portal at a public https address, as in production."""
    return app_config | {"PORTAL_BASE_URL": BASE}


def _send(owner, kind: str, key: str | None = None) -> bytes:
    """Queue and deliver one message of `kind`; the raw bytes the file backend wrote."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    notification_id = notify(
        db.session,
        user=owner,
        key=key or f"test:{kind}",
        kind=kind,
        # A long subject with accents: the default policy folds and encodes it, correctly.
        subject=f"Chloé, a note about your Škoda Octavia Estate and the {kind} we look after "
        "for you at the dealership this winter",
        body="Your Škoda is due a look.\n\nBook whenever suits you.",
        now=clock.now(),
        action_path="/reminders",
        action_label="See my reminders",
    )
    db.session.commit()
    assert dispatch([notification_id]).sent == 1
    [written] = set(outbox.glob("*.eml")) - before
    return written.read_bytes()


def _unsubscribe_path(raw: bytes) -> str:
    [url] = ONE_LINE.findall(raw)
    assert url.startswith(f"{BASE}/unsubscribe/".encode())
    return url.decode()[len(BASE) :]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_parses_strictly_with_one_click_unsubscribe(make_owner, kind):
    owner = make_owner(name="Chloé Dubois", birthday_messages=True)
    raw = _send(owner, kind)

    message = BytesParser(policy=policy.strict).parsebytes(raw)
    assert not message.defects
    assert all(not part.defects for part in message.walk())
    assert all(not value.defects for value in message.values())
    assert all(len(line) <= 998 for line in raw.splitlines())
    assert b"=?utf-8?q?=3C" not in raw  # never an encoded-word for the URL
    assert len(ONE_LINE.findall(raw)) == 1  # `<https://...>` on one physical line
    assert message["List-Unsubscribe"] == f"<{BASE}{_unsubscribe_path(raw)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<[^@<>]+@owners\.example>", message["Message-ID"])
    assert message["Subject"].startswith("Chloé, a note about your Škoda")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"{BASE}/reminders" in text and f"{BASE}/reminders" in html
    assert f"{BASE}/preferences/" in text and f"{BASE}/preferences/" in html
    assert f"{BASE}/unsubscribe/" in text and f"{BASE}/unsubscribe/" in html


@pytest.mark.parametrize(
    ("kind", "turned_off"),
    [
        ("service", "consent_service"),
        ("recall", "consent_service"),
        ("event_invite", "consent_event_invites"),
        ("birthday", "birthday_messages"),
    ],
)
def test_one_click_post_without_cookies_turns_that_category_off(app, make_owner, kind, turned_off):
    owner = make_owner(birthday_messages=True)
    path = _unsubscribe_path(_send(owner, kind))
    provider = app.test_client()  # a mail provider: no cookies, no CSRF token

    response = provider.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)

    assert response.status_code == 200
    assert "You're unsubscribed" in response.get_data(as_text=True)
    db.session.refresh(owner)
    choices = {
        name: getattr(owner, name)
        for name in ("consent_service", "consent_event_invites", "birthday_messages")
    }
    assert choices == {name: name != turned_off for name in choices}
    assert owner.preferred_channel == ContactChannel.EMAIL
    again = provider.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert again.status_code == 200  # a provider retrying is answered the same way


def test_unsubscribing_from_a_booking_email_moves_the_owner_to_the_inbox(app, make_owner):
    owner = make_owner()
    path = _unsubscribe_path(_send(owner, "event_changed"))

    page = app.test_client().post(path, csrf=False).get_data(as_text=True)

    assert "won't email you any more" in page
    db.session.refresh(owner)
    assert owner.preferred_channel == ContactChannel.INBOX
    assert owner.consent_service and owner.consent_event_invites


def test_the_link_opened_in_a_browser_asks_first_and_the_button_confirms(client, make_owner):
    owner = make_owner(name="Grace Whitfield")
    path = _unsubscribe_path(_send(owner, "service"))

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stop service reminders, warranty notices and recall letters?" in html
    assert '<form method="post">' in html and "Yes, stop them" in html
    db.session.refresh(owner)
    assert owner.consent_service  # opening the link changes nothing

    done = client.post(path, csrf=False).get_data(as_text=True)
    assert "Done, Grace: you won't receive service reminders" in done
    db.session.refresh(owner)
    assert not owner.consent_service
    assert "You're unsubscribed" in client.get(path).get_data(as_text=True)


def _tampered(path: str) -> str:
    # The signature's last character carries spare bits that decode to the same bytes, so
    # the change goes in the middle of the signature, where every bit counts.
    payload, stamp, signature = path.rsplit("/", 1)[1].split(".")
    middle = len(signature) // 2
    changed = "A" if signature[middle] != "A" else "B"
    flipped = signature[:middle] + changed + signature[middle + 1 :]
    return f"/unsubscribe/{payload}.{stamp}.{flipped}"


@pytest.mark.parametrize(
    "make_path",
    [
        _tampered,
        lambda path: "/unsubscribe/" + sign("consent", {"uid": 1}),  # another purpose's token
        lambda path: "/unsubscribe/" + sign("unsubscribe", {"uid": 1, "cat": "everything"}),
        lambda path: "/unsubscribe/" + sign("unsubscribe", {"uid": 999, "cat": "service"}),
        lambda path: "/unsubscribe/" + sign("unsubscribe", {"uid": "1", "cat": "service"}),
        lambda path: "/unsubscribe/not-a-token",
    ],
    ids=["tampered", "other-purpose", "unknown-category", "unknown-owner", "text-id", "junk"],
)
def test_an_invalid_link_changes_nothing_and_says_so(app, make_owner, make_path):
    owner = make_owner(birthday_messages=True)
    path = make_path(_unsubscribe_path(_send(owner, "service")))

    for method in ("GET", "POST"):
        response = app.test_client().open(path, method=method, csrf=False)
        assert response.status_code == 404
        assert "This link is not valid" in response.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.consent_service and owner.consent_event_invites and owner.birthday_messages
    assert owner.preferred_channel == ContactChannel.EMAIL


def test_a_spoofed_host_header_does_not_change_the_reset_link(app, client, owner, outbox):
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie belongs to the real host
    response = client.post(
        "/forgot-password", data={"email": owner.email}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 303
    [message] = outbox()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"{BASE}/reset-password/" in text and f'href="{BASE}/reset-password/' in html
    assert "evil.example" not in text + html


def test_forwarded_host_from_a_trusted_proxy_does_not_change_mail_links(app, owner, outbox):
    app.config["PORTAL_PROXY_HOPS"] = 1
    from portal.security import trust_proxies

    trust_proxies(app, 1)
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client().post(
        "/forgot-password",
        data={"email": owner.email},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
    )
    [message] = outbox()
    assert "evil.example" not in message.as_string()
    assert f"{BASE}/reset-password/" in message.get_body(("plain",)).get_content()


def test_messages_sent_during_a_request_to_a_spoofed_host_link_to_the_portal(app, make_owner):
    owner = make_owner()
    with app.test_request_context("/", base_url="http://evil.example"):
        raw = _send(owner, "reward")
    assert b"evil.example" not in raw
    assert _unsubscribe_path(raw).startswith("/unsubscribe/")


def test_a_sender_without_an_address_fails_the_message_and_the_run_goes_on(app, make_owner):
    """A MAIL_FROM with no address is a failure recorded on the message (retried once it is
    put right), not an error that stops the dispatch run."""
    app.config["MAIL_FROM"] = "Owners Club"
    owner = make_owner()
    notification_id = notify(
        db.session,
        user=owner,
        key="test:no-sender",
        kind="account",
        subject="Hello",
        body="Hello.",
        now=clock.now(),
    )
    db.session.commit()
    report = dispatch([notification_id])
    assert (report.sent, report.failed) == (0, 1)
    row = db.session.get(Notification, notification_id)
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and "no address" in row.last_error
