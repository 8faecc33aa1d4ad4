"""Messaging an event's attendees: the exact audience, each channel within consent, a preview
that changes nothing, one send per preview however often it is submitted, delivery by
`flask notify run` over real SMTP, an audit entry, and nothing for anyone else."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEntry
from portal.events.models import EventMessage, RsvpStatus
from portal.events.services import broadcasts
from portal.extensions import db
from portal.notifications.models import ContactChannel, DeliveryStatus, Notification
from tests.factories import TZ

BODY = "Parking has moved to the side lot on Elm Street.\nThe entrance is by the blue doors."


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


@pytest.fixture
def clinic(make_event):
    return make_event("Winter care clinic", capacity=20)


@pytest.fixture
def people(make_owner, add_rsvp, clinic):
    """Owners in every RSVP state and with every channel and consent, by a short name."""
    made = {}

    def add(name, status, **values):
        owner = make_owner(name=name, email=f"{name.split()[0].lower()}@example.com", **values)
        add_rsvp(clinic, owner, status)
        made[name.split()[0]] = owner

    add("Grace Email", RsvpStatus.CONFIRMED)
    add("Henry Noconsent", RsvpStatus.CONFIRMED, consent_event_invites=False)
    texts = {"preferred_channel": ContactChannel.SMS}
    add("Ivy Text", RsvpStatus.CONFIRMED, phone="+12025550143", **texts)
    add(
        "Jack Textnoconsent",
        RsvpStatus.CONFIRMED,
        preferred_channel=ContactChannel.SMS,
        phone="+12025550144",
        consent_event_invites=False,
    )
    add("Kate Inbox", RsvpStatus.ATTENDED, preferred_channel=ContactChannel.INBOX)
    add("Liam Waiting", RsvpStatus.WAITLISTED)
    add("Mia Cancelled", RsvpStatus.CANCELLED)
    return made


def _copies() -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.kind == broadcasts.KIND)
            .order_by(Notification.user_id)
        )
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _claim(html: str) -> str:
    return re.search(r'name="claim" type="hidden" value="([^"]+)"', html).group(1)


def _compose(audience="confirmed", subject="Parking has moved", body=BODY) -> dict:
    return {"audience": audience, "subject": subject, "body": body}


def _preview(client, event, **values):
    return client.post(f"/admin/events/{event.id}/message/preview", data=_compose(**values))


def _send(client, event, claim, **values):
    return client.post(
        f"/admin/events/{event.id}/message/send", data=dict(_compose(**values), claim=claim)
    )


def _send_directly(event, sender, audience, claim=None, **values):
    outcome = broadcasts.send_to_attendees(
        db.session,
        event,
        sender=sender,
        audience=broadcasts.Audience(audience),
        subject=values.get("subject", "Parking has moved"),
        body=values.get("body", BODY),
        claim=claim or broadcasts.new_claim(),
        now=clock.now(),
        tz=TZ,
        event_url=f"/events/{event.id}",
    )
    db.session.commit()
    return outcome


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("confirmed", ["Grace", "Henry", "Ivy", "Jack", "Kate"]),
        ("waitlisted", ["Liam"]),
        ("both", ["Grace", "Henry", "Ivy", "Jack", "Kate", "Liam"]),
    ],
)
def test_each_audience_reaches_exactly_its_rsvps_and_never_the_cancelled(
    clinic, people, coordinator, audience, expected
):
    done = _send_directly(clinic, coordinator, audience)
    reached = sorted(copy.user_id for copy in _copies())
    assert reached == sorted(people[name].id for name in expected)
    assert people["Mia"].id not in reached
    assert done.message.recipients == len(expected) == len(done.notification_ids)


def test_the_preview_counts_each_channel_within_consent_and_changes_nothing(
    client, login, clinic, people, coordinator
):
    login(coordinator)
    response = _preview(client, clinic)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "5 owners will get it" in html
    assert re.search(r"In the portal inbox: <strong>5</strong>", html)
    assert re.search(r"By email as well: <strong>1</strong>", html)  # Grace; not Henry
    assert re.search(r"By text message as well: <strong>1</strong>", html)  # Ivy; not Jack
    assert re.findall(r"<li>([A-Z][a-z]+ [A-Za-z]+)</li>", html) == [
        "Grace Email",
        "Henry Noconsent",
        "Ivy Text",
        "Jack Textnoconsent",
        "Kate Inbox",
    ]
    assert "Liam Waiting" not in html and "Mia Cancelled" not in html
    assert "Hello Grace," in html and "Parking has moved to the side lot" in html
    assert "because you have a place at Winter care clinic" in html
    assert "Send to 5 owners" in html
    assert _count(Notification) == 0 and _count(EventMessage) == 0 and _count(AuditEntry) == 0


def test_get_pages_change_nothing(client, login, clinic, people, coordinator):
    login(coordinator)
    for path in (f"/admin/events/{clinic.id}/message", f"/admin/events/{clinic.id}"):
        assert client.get(path).status_code == 200
    assert client.get(f"/admin/events/{clinic.id}/message/send").status_code == 405
    assert _count(Notification) == 0 and _count(EventMessage) == 0 and _count(AuditEntry) == 0


def test_sending_queues_each_copy_on_its_channel_within_consent(
    client, login, clinic, people, coordinator
):
    login(coordinator)
    claim = _claim(_preview(client, clinic, audience="both").text)
    response = _send(client, clinic, claim, audience="both")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/events/{clinic.id}"
    by_owner = {copy.user_id: copy for copy in _copies()}
    status = {name: by_owner[owner.id].status for name, owner in people.items() if name != "Mia"}
    assert status == {
        "Grace": DeliveryStatus.PENDING,
        "Henry": DeliveryStatus.INBOX_ONLY,
        "Ivy": DeliveryStatus.PENDING,
        "Jack": DeliveryStatus.INBOX_ONLY,
        "Kate": DeliveryStatus.INBOX_ONLY,
        "Liam": DeliveryStatus.PENDING,
    }
    assert by_owner[people["Ivy"].id].channel == ContactChannel.SMS
    assert not by_owner[people["Grace"].id].budgeted
    liam = by_owner[people["Liam"].id].body
    assert liam.startswith("Hello Liam,\n\nParking has moved")
    assert "you're on the waitlist for Winter care clinic" in liam
    page = client.get(f"/admin/events/{clinic.id}").text
    assert "Sent to 6 owners" in page


def test_a_double_submit_sends_once_and_audits_once(client, login, clinic, people, coordinator):
    login(coordinator)
    claim = _claim(_preview(client, clinic).text)
    assert _send(client, clinic, claim).status_code == 303
    again = _send(client, clinic, claim)
    assert again.status_code == 303
    assert len(_copies()) == 5
    assert _count(EventMessage) == 1
    assert _count(AuditEntry) == 1
    assert "already sent to 5 owners; it wasn" in client.get(f"/admin/events/{clinic.id}").text


def test_a_fresh_preview_sends_again_but_each_owner_once_per_message(clinic, people, coordinator):
    first = _send_directly(clinic, coordinator, "waitlisted")
    second = _send_directly(clinic, coordinator, "waitlisted")
    repeat = _send_directly(clinic, coordinator, "waitlisted", claim=first.message.claim)
    assert repeat.already_sent and repeat.notification_ids == []
    assert len(_copies()) == 2
    assert first.message.id != second.message.id


def test_the_send_is_audited_with_audience_count_and_text(
    client, login, clinic, people, coordinator
):
    login(coordinator)
    claim = _claim(_preview(client, clinic, audience="waitlisted").text)
    _send(client, clinic, claim, audience="waitlisted")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.message"))
    assert entry.actor_id == coordinator.id
    assert (entry.entity_type, entry.entity_id) == ("event", str(clinic.id))
    assert entry.after["audience"] == "waitlisted"
    assert entry.after["recipients"] == 1
    assert entry.after["subject"] == "Parking has moved"
    assert entry.after["body"] == BODY  # line breaks as plain new lines
    assert "Messaged 1 attendee(s) of “Winter care clinic”" in entry.summary


def test_the_staff_page_lists_messages_sent_with_sender_audience_and_count(
    client, login, clinic, people, make_coordinator
):
    dana = make_coordinator(name="Dana Door")
    _send_directly(clinic, dana, "both", subject="Bring a warm coat")
    login(dana)
    html = client.get(f"/admin/events/{clinic.id}").text
    row = re.search(r'<table class="message-history">.*?</table>', html, re.S).group(0)
    assert "Dana Door" in row and "Confirmed and waitlisted" in row
    assert '<td class="num">6</td>' in row and "Bring a warm coat" in row
    assert "EST</time>" in row


def test_attendees_of_another_event_receive_nothing(
    clinic, people, coordinator, make_event, make_owner, add_rsvp
):
    other = make_event("Spring launch")
    elsewhere = make_owner(name="Nora Elsewhere")
    add_rsvp(other, elsewhere, RsvpStatus.CONFIRMED)
    add_rsvp(other, people["Mia"], RsvpStatus.CONFIRMED)
    _send_directly(clinic, coordinator, "both")
    reached = {copy.user_id for copy in _copies()}
    assert elsewhere.id not in reached and people["Mia"].id not in reached


def test_a_claim_from_another_event_sends_nothing_there(
    client, login, clinic, people, coordinator, make_event, make_owner, add_rsvp
):
    other = make_event("Spring launch")
    add_rsvp(other, make_owner(name="Nora Elsewhere"), RsvpStatus.CONFIRMED)
    sent = _send_directly(clinic, coordinator, "confirmed")
    login(coordinator)
    response = _send(client, other, sent.message.claim)
    assert response.status_code == 422
    assert "belongs to another event" in response.text
    assert len(_copies()) == 5 and _count(EventMessage) == 1


def test_an_empty_audience_sends_nothing_and_says_so(client, login, make_event, coordinator):
    quiet = make_event("Quiet meet")
    login(coordinator)
    preview = _preview(client, quiet)
    assert "Nobody to message" in preview.text and 'name="claim"' not in preview.text
    response = _send(client, quiet, broadcasts.new_claim())
    assert response.status_code == 422
    assert "Nobody is in that audience now" in response.text
    assert _count(EventMessage) == 0 and _count(AuditEntry) == 0


@pytest.mark.parametrize(
    "values",
    [
        {"body": "Hello\x00there"},
        {"subject": "Parking\x00"},
        {"body": "x" * 100_000},
        {"subject": "s" * 151},
        {"audience": "everyone"},
        {"audience": "cancelled"},
        {"subject": ""},
        {"claim": "not a claim"},
        {"claim": "x" * 10_000},
        {"claim": "\x00" * 32},
    ],
)
def test_hostile_input_is_refused_with_a_4xx_and_changes_nothing(
    client, login, clinic, people, coordinator, values
):
    login(coordinator)
    data = dict(_compose(), claim=broadcasts.new_claim()) | values
    preview = client.post(f"/admin/events/{clinic.id}/message/preview", data=data)
    send = client.post(f"/admin/events/{clinic.id}/message/send", data=data)
    assert 400 <= send.status_code < 500
    if "claim" not in values:
        assert preview.status_code == 422
    assert _count(Notification) == 0 and _count(EventMessage) == 0 and _count(AuditEntry) == 0


def test_unknown_events_are_404(client, login, coordinator):
    login(coordinator)
    for event_id in (999_999, 10**30):
        assert client.get(f"/admin/events/{event_id}/message").status_code == 404
        preview = client.post(f"/admin/events/{event_id}/message/preview", data=_compose())
        assert preview.status_code == 404


def test_owners_cannot_message_attendees(client, login, clinic, people):
    login(people["Grace"])
    assert client.get(f"/admin/events/{clinic.id}/message").status_code == 403
    response = _send(client, clinic, broadcasts.new_claim())
    assert response.status_code == 403
    assert _count(Notification) == 0


def test_htmx_preview_answers_with_the_composer_alone(client, login, clinic, people, coordinator):
    login(coordinator)
    response = client.post(
        f"/admin/events/{clinic.id}/message/preview",
        data=_compose(),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<div id="message-composer">' in response.text and "<html" not in response.text
    invalid = client.post(
        f"/admin/events/{clinic.id}/message/preview",
        data=_compose(subject=""),
        headers={"HX-Request": "true"},
    )
    assert invalid.status_code == 422 and 'id="subject-error"' in invalid.text


def test_notify_run_delivers_by_real_smtp_and_text_within_consent(
    app, client, login, runner, clinic, people, coordinator, smtp
):
    login(coordinator)
    claim = _claim(_preview(client, clinic, audience="both").text)
    _send(client, clinic, claim, audience="both")
    assert smtp.messages == []  # the job delivers, not the coordinator's request
    result = runner.invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    assert sorted(mail["To"] for mail in smtp.messages) == ["grace@example.com", "liam@example.com"]
    grace = next(mail for mail in smtp.messages if mail["To"] == "grace@example.com")
    assert grace["Subject"] == "Parking has moved"
    text = grace.get_body(("plain",)).get_content()
    assert "Hello Grace," in text and "side lot on Elm Street" in text
    assert "List-Unsubscribe" in grace
    texts = [
        json.loads(path.read_text())
        for path in (Path(app.config["MAIL_OUTBOX"]) / "sms").glob("*.json")
    ]
    assert [sms["to"] for sms in texts] == ["+12025550143"]
    assert texts[0]["body"].startswith("Parking has moved: Hello Ivy,")
    again = runner.invoke(args=["notify", "run"])
    assert again.exit_code == 0 and len(smtp.messages) == 2


def test_the_owner_finds_it_in_their_inbox(client, login, clinic, people, coordinator):
    _send_directly(clinic, coordinator, "confirmed")
    login(people["Kate"])
    inbox = client.get("/inbox").text
    assert "Parking has moved" in inbox


def test_browser_line_breaks_are_stored_and_sent_as_plain_new_lines(clinic, people, coordinator):
    done = _send_directly(clinic, coordinator, "waitlisted", body="  First line.\r\nSecond.\r\n ")
    assert done.message.body == "First line.\nSecond."
    [copy] = _copies()
    assert "\r" not in copy.body and "\n\nFirst line.\nSecond.\n\n" in copy.body
