"""The dispatcher's glue: which messages a call sends, and what an email carries."""

from flask import url_for
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.mail import Attachment
from portal.notifications.dispatch import (
    ATTACHMENTS,
    consent_link,
    dispatch,
    install_attachments,
    render_email,
    take_queued,
)
from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.services import QUEUED, notify
from portal.security import unsign


def _notify(owner, key, action_path=None):
    created = notify(
        db.session, user=owner, key=key, kind="event", subject=f"About {key}",
        body="Your seat is confirmed.", now=clock.now(), action_path=action_path,
        action_label="See the event" if action_path else None,
    )  # fmt: skip
    return created


def _status(notification_id):
    db.session.expire_all()
    return db.session.get(Notification, notification_id).status


def test_take_queued_hands_over_the_ids_once(make_owner):
    owner = make_owner()
    first, second = _notify(owner, "a"), _notify(owner, "b")
    assert take_queued(db.session) == [first, second]
    assert take_queued(db.session) == []
    assert QUEUED not in db.session.info


def test_an_empty_list_of_ids_sends_nothing_at_all(make_owner, outbox):
    pending = _notify(make_owner(), "a")
    db.session.commit()
    report = dispatch([])
    assert (report.sent, report.failed) == (0, 0)
    assert outbox() == []
    assert _status(pending) == DeliveryStatus.PENDING


def test_dispatching_some_ids_leaves_the_rest_pending(make_owner, outbox):
    olivia, sam = make_owner(), make_owner()
    mine, theirs = _notify(olivia, "a"), _notify(sam, "b")
    db.session.commit()
    assert dispatch([mine]).sent == 1
    assert [message["To"] for message in outbox()] == [olivia.email]
    assert _status(theirs) == DeliveryStatus.PENDING
    assert dispatch().sent == 1
    assert _status(theirs) == DeliveryStatus.SENT


def test_an_email_links_to_the_action_on_the_portals_own_address(app, make_owner, outbox):
    app.config["PORTAL_BASE_URL"] = "https://club.example.com"
    owner = make_owner(name="Grace Whitfield")
    _notify(owner, "a", action_path="/events/7")
    db.session.commit()
    dispatch()
    [message] = outbox()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "https://club.example.com/events/7" in text
    assert 'href="https://club.example.com/events/7"' in html
    assert message["List-Unsubscribe"].startswith("<https://club.example.com/unsubscribe/")
    assert message["List-Unsubscribe"].endswith(">")


def test_an_email_without_an_action_has_no_action_link(app, make_owner, monkeypatch):
    app.config["PORTAL_BASE_URL"] = "https://club.example.com"
    # Signed links carry the second they were signed in: hold the signer's clock still, so the
    # link in the mail and the one built to compare with are the same whenever the test runs.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_796_000_000)
    owner = make_owner()
    _notify(owner, "a")
    db.session.commit()
    notification = db.session.scalar(select(Notification))
    with app.test_request_context(base_url="https://club.example.com"):
        text, html, headers = render_email(notification)
        link = consent_link(owner.id)
    assert "Open the portal" not in text and "Open the portal" not in html
    assert headers["List-Unsubscribe"].startswith("<https://club.example.com/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in text and link in html
    assert "Your seat is confirmed." in text


def test_the_consent_link_is_signed_for_that_owner(app, make_owner):
    app.config["PORTAL_BASE_URL"] = "https://club.example.com"
    olivia, sam = make_owner(), make_owner()
    with app.test_request_context(base_url="https://club.example.com"):
        mine, theirs = consent_link(olivia.id), consent_link(sam.id)
    assert mine.startswith("https://club.example.com/preferences/")
    assert mine != theirs
    token = mine.rsplit("/", 1)[1]
    assert unsign("consent", token, None)["uid"] == olivia.id


def test_an_action_link_keeps_the_path_the_portal_is_served_under(app, make_owner):
    # A base path ending in a capital letter: only the trailing slash may be trimmed from it.
    app.config["PORTAL_BASE_URL"] = "https://motors.example/OWNERS-BOX"
    owner = make_owner()
    _notify(owner, "a", action_path="/events/7")
    db.session.commit()
    with app.test_request_context(base_url="https://motors.example"):
        text, html, _ = render_email(db.session.scalar(select(Notification)))
    assert "https://motors.example/OWNERS-BOX/events/7" in text
    assert 'href="https://motors.example/OWNERS-BOX/events/7"' in html


def test_dispatch_attaches_what_the_apps_builder_makes_sharing_work_within_one_run(
    app, make_owner, outbox
):
    app.config["PORTAL_BASE_URL"] = "https://club.example.com"
    runs: list[dict] = []

    def note_for(notification, shared):
        if not shared:
            runs.append(shared)
        shared[notification.id] = notification.key
        link = url_for("home.index", _external=True)  # builders link to the portal too
        return [Attachment(f"{notification.key}.txt", link.encode(), "text", "plain")]

    install_attachments(app, {"event": note_for})
    olivia, sam = make_owner(), make_owner()
    _notify(olivia, "a"), _notify(sam, "b")
    db.session.commit()
    assert dispatch().sent == 2
    files = {
        message["To"]: [part.get_filename() for part in message.iter_attachments()]
        for message in outbox()
    }
    assert files == {olivia.email: ["a.txt"], sam.email: ["b.txt"]}
    contents = {part.get_content() for message in outbox() for part in message.iter_attachments()}
    assert contents == {"https://club.example.com/"}
    assert [sorted(shared.values()) for shared in runs] == [["a", "b"]]  # one dict per run
    _notify(olivia, "c")
    db.session.commit()
    dispatch()
    assert [sorted(shared.values()) for shared in runs] == [["a", "b"], ["c"]]


def test_dispatch_sends_plain_emails_when_the_app_has_no_attachment_builders(
    app, make_owner, outbox, monkeypatch
):
    monkeypatch.delitem(app.extensions, ATTACHMENTS)
    owner = make_owner()
    _notify(owner, "a")
    db.session.commit()
    assert dispatch().sent == 1
    [message] = outbox()
    assert list(message.iter_attachments()) == []
