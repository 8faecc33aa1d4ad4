"""Notifications: claimed once, delivered on the owner's channel, visible in their inbox."""

import json
import re
from pathlib import Path

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.services import Consent, notify


def _notify(user, key="test:1", consent=Consent.TRANSACTIONAL, **overrides):
    values = {
        "user": user,
        "key": key,
        "kind": "event",
        "subject": f"Your seat is confirmed, {user.first_name}",
        "body": "A seat opened up at the tyre clinic.\n\nWe look forward to seeing you.",
        "now": clock.now(),
        "consent": consent,
        "action_path": "/",
        "action_label": "See the event",
    }
    values.update(overrides)
    created = notify(db.session, **values)
    db.session.commit()
    return created


def test_same_key_makes_one_notification(make_owner):
    owner = make_owner()
    first = _notify(owner)
    second = _notify(owner)
    assert first is not None
    assert second is None
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_no_consent_means_no_message(make_owner):
    owner = make_owner(consent_service=False)
    assert _notify(owner, consent=Consent.SERVICE) is None
    assert _notify(owner, key="test:2", consent=Consent.TRANSACTIONAL) is not None


def test_email_goes_through_real_smtp_with_both_parts_and_consent_link(
    app, make_owner, smtp_server
):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    owner = make_owner(name="Grace Whitfield")
    notification_id = _notify(owner)
    report = dispatch([notification_id])
    assert (report.sent, report.failed) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == owner.email
    assert message["Subject"] == "Your seat is confirmed, Grace"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "tyre clinic" in text and "tyre clinic" in html
    assert "/preferences/" in text and "/preferences/" in html
    assert message["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert db.session.get(Notification, notification_id).status == DeliveryStatus.SENT
    assert dispatch().sent == 0  # nothing left to send


def test_failed_send_is_recorded_and_retried(app, make_owner, smtp_server):
    owner = make_owner()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    notification_id = _notify(owner)
    assert dispatch().failed == 1
    failed = db.session.get(Notification, notification_id)
    assert failed.status == DeliveryStatus.FAILED
    assert "ConnectionRefusedError" in failed.last_error
    app.config.update(MAIL_PORT=smtp_server.port)
    assert dispatch().sent == 1
    db.session.refresh(failed)
    assert failed.status == DeliveryStatus.SENT
    assert failed.attempts == 2
    assert len(smtp_server.messages) == 1


def test_text_message_preference_uses_the_sms_backend(app, make_owner):
    owner = make_owner(preferred_channel="sms", phone="+12025550123")
    _notify(owner)
    assert dispatch().sent == 1
    [sms] = (Path(app.config["MAIL_OUTBOX"]) / "sms").glob("*.json")
    record = json.loads(sms.read_text())
    assert record["to"] == "+12025550123"
    assert "tyre clinic" in record["body"]


def test_inbox_only_preference_sends_nothing_but_shows_in_inbox(client, make_owner, login, outbox):
    owner = make_owner(preferred_channel="inbox")
    _notify(owner)
    assert dispatch().sent == 0
    assert outbox() == []
    login(owner)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Your seat is confirmed" in page


def test_unread_count_in_header_and_reading_clears_it(client, make_owner, login):
    owner = make_owner(preferred_channel="inbox")
    notification_id = _notify(owner)
    _notify(owner, key="test:2", subject="Second message")
    login(owner)
    assert 'aria-label="2 unread"' in client.get("/").get_data(as_text=True)
    message = client.get(f"/inbox/{notification_id}").get_data(as_text=True)
    assert "A seat opened up at the tyre clinic." in message
    assert 'aria-label="1 unread"' in client.get("/").get_data(as_text=True)
    client.post("/inbox/read-all")
    assert "unread" not in client.get("/").get_data(as_text=True)


def test_a_page_reads_the_unread_count_with_the_user_and_again_after_a_change(
    client, make_owner, login, count_queries
):
    """A page that only reads gets the count in the statement that loads the signed-in
    user; the message page, which marks the message read first, shows the count after that;
    a page answering a POST asks for it afresh."""
    owner = make_owner(preferred_channel="inbox")
    first = _notify(owner)
    _notify(owner, key="test:2", subject="Second message")
    login(owner)
    client.get("/garage")
    with count_queries() as statements:
        page = client.get("/garage").get_data(as_text=True)
    assert 'aria-label="2 unread"' in page
    reads_of_notifications = [sql for sql in statements if "FROM notifications" in sql]
    assert len(reads_of_notifications) == 1 and "FROM users" in reads_of_notifications[0]
    assert 'aria-label="1 unread"' in client.get(f"/inbox/{first}").get_data(as_text=True)
    _notify(owner, key="test:3", subject="Third message")
    refused = client.post("/account/profile", data={"display_name": "x" * 500})
    assert 'aria-label="2 unread"' in refused.get_data(as_text=True)


def test_another_owners_message_is_not_found(client, make_owner, login):
    someone = make_owner()
    notification_id = _notify(someone)
    login(make_owner())
    assert client.get(f"/inbox/{notification_id}").status_code == 404


def test_message_text_is_escaped(client, make_owner, login):
    owner = make_owner(preferred_channel="inbox")
    notification_id = _notify(owner, body='<script>alert(1)</script><b hx-get="/x">hi</b>')
    login(owner)
    page = client.get(f"/inbox/{notification_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_consent_link_from_an_email_changes_choices_without_signing_in(
    app, client, make_owner, outbox
):
    owner = make_owner(name="Ravi Iyer")
    _notify(owner)
    dispatch()
    text = outbox()[0].get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"http://localhost(/preferences/\S+)", text).group(1)
    page = client.get(path).get_data(as_text=True)
    assert "What would you like to hear about, Ravi?" in page
    response = client.post(path, data={"consent_event_invites": "y"})
    assert response.status_code == 303
    db.session.refresh(owner)
    assert owner.consent_service is False
    assert owner.consent_event_invites is True


def test_forged_consent_link_is_not_found(client):
    assert client.get("/preferences/not-a-real-token").status_code == 404
