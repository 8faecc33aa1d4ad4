"""What owners going to an event hear: a confirmation with the event's calendar file, and one
reminder the day before from `flask notify run`, claimed once like every message."""

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal import clock
from portal.dealership.services import write_settings
from portal.events.models import EventKind, Rsvp, RsvpStatus
from portal.events.services import planning, rsvps
from portal.events.services.messages import CONFIRMED, REMINDER
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification
from tests.events.ics_checks import events_of, strict_components, with_ics_library
from tests.factories import TZ

#: Tuesday 1 December 2026, 10:00 AM in New York: when the owners RSVP.
BOOKED = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
#: The clinic: Thursday 10 December 2026, 11:00 AM to 1:00 PM EST.
STARTS = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
#: The day before, 9:30 AM and 10:30 AM EST: before and after the default reminder time.
DAY_BEFORE_EARLY = datetime(2026, 12, 9, 14, 30, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


@pytest.fixture
def clinic(make_event):
    with clock.frozen(BOOKED):
        return make_event(
            "Winter care clinic",
            kind=EventKind.CLINIC,
            starts_at=STARTS,
            location="Service centre, 12 Harbour Road",
            capacity=3,
            guests_allowed=2,
        )


def _messages(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def _notify_run(runner, *args: str) -> str:
    result = runner.invoke(args=["notify", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _calendar_file(mail, is_part: bool = False):
    [attachment] = [mail] if is_part else list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_filename() == "winter-care-clinic.ics"
    return attachment.get_payload(decode=True)


def test_rsvp_sends_a_confirmation_with_a_calendar_file_two_parsers_read(
    client, login, make_owner, clinic, smtp
):
    owner = make_owner(name="Grace Whitfield", email="grace@example.com")
    login(owner)
    with clock.frozen(BOOKED):
        response = client.post(f"/events/{clinic.id}/rsvp", data={"guests": "1"})
    assert response.status_code == 303
    [mail] = smtp.messages
    assert mail["To"] == "grace@example.com"
    assert mail["Subject"] == "You're booked: Winter care clinic, Thu 10 Dec"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Grace," in text
    assert "Your place at Winter care clinic is confirmed, for you and 1 guest." in text
    assert "Thursday 10 December 2026, 11:00 AM to 1:00 PM EST" in text
    assert "Service centre, 12 Harbour Road" in text
    assert "Bring your car" in text and "ticket" in text
    assert "calendar file attached to this email" in text
    assert "reminder the day before" in text and "cancel" in text
    assert f"http://localhost/events/{clinic.id}" in text

    body = _calendar_file(mail)
    [entry] = Calendar.from_ical(body).walk("VEVENT")
    assert str(entry["UID"]) == f"event-{clinic.id}@localhost"
    assert entry["DTSTART"].dt == STARTS
    assert entry["DTEND"].dt == STARTS + timedelta(hours=2)
    assert str(entry["LOCATION"]) == "Service centre, 12 Harbour Road"
    [strict] = events_of(strict_components(body))
    assert strict.value("DTSTART") == "20261210T160000Z"
    [parsed] = with_ics_library(body)
    assert parsed.uid == f"event-{clinic.id}@localhost"
    assert parsed.begin.datetime == STARTS and parsed.name == "Winter care clinic"

    [confirmation] = _messages(CONFIRMED)
    assert (confirmation.user_id, confirmation.status) == (owner.id, DeliveryStatus.SENT)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "You&#39;re booked: Winter care clinic" in inbox


def test_an_owner_who_reads_the_inbox_gets_the_confirmation_there_only(
    client, login, make_owner, clinic, smtp
):
    owner = make_owner(preferred_channel="inbox")
    login(owner)
    with clock.frozen(BOOKED):
        client.post(f"/events/{clinic.id}/rsvp", data={"guests": "0"})
    assert smtp.messages == []
    [confirmation] = _messages(CONFIRMED)
    assert confirmation.status == DeliveryStatus.INBOX_ONLY
    assert '"Add to calendar" on the event page' in confirmation.body
    assert "guest" not in confirmation.body


def test_a_second_click_or_the_waitlist_sends_no_confirmation(
    client, login, make_owner, make_event, smtp
):
    with clock.frozen(BOOKED):
        full = make_event("Launch evening", kind=EventKind.LAUNCH, capacity=1)
        first, second = make_owner(), make_owner()
        for owner in (first, second):
            login(owner)
            for _click in range(2):
                response = client.post(f"/events/{full.id}/rsvp", data={"guests": "0"})
                assert response.status_code == 303
            client.post("/logout")
    statuses = dict(db.session.execute(select(Rsvp.user_id, Rsvp.status)).all())
    assert statuses == {first.id: RsvpStatus.CONFIRMED, second.id: RsvpStatus.WAITLISTED}
    assert [message.user_id for message in _messages(CONFIRMED)] == [first.id]
    assert [mail["To"] for mail in smtp.messages] == [first.email]
    assert "If you'd like a test drive, bring your driving licence." in (
        smtp.messages[0].get_body(("plain",)).get_content()
    )


def test_a_seat_won_from_the_waitlist_is_mailed_with_the_calendar_file(
    make_owner, clinic, rsvp_as, smtp
):
    with clock.frozen(BOOKED):
        holders = [rsvp_as(make_owner(), clinic, guests=2)]
        waiting_owner = make_owner(email="next@example.com")
        rsvp_as(waiting_owner, clinic)
        rsvps.cancel_rsvp(
            db.session,
            rsvp=holders[0],
            now=clock.now(),
            secret_key="unused-for-cancel",
            event_url=f"/events/{clinic.id}",
        )
        db.session.commit()
        dispatch()
    promoted = [mail for mail in smtp.messages if mail["To"] == "next@example.com"]
    assert [mail["Subject"] for mail in promoted] == [
        "A seat opened up for you: Winter care clinic"
    ]
    [entry] = events_of(strict_components(_calendar_file(promoted[0])))
    assert entry.value("UID") == f"event-{clinic.id}@localhost"


@pytest.fixture
def attendees(make_owner, clinic, rsvp_as):
    """Two confirmed owners (one bringing a guest), one waitlisted, one who cancelled."""
    with clock.frozen(BOOKED):
        going = [
            rsvp_as(make_owner(name="Grace Whitfield", email="grace@example.com"), clinic, 1),
            rsvp_as(make_owner(name="Tom Ellis", email="tom@example.com"), clinic),
        ]
        waiting = rsvp_as(make_owner(email="waiting@example.com"), clinic, 1)
        assert waiting.status == RsvpStatus.WAITLISTED
        gone = rsvp_as(make_owner(email="gone@example.com"), clinic)
        assert gone.status == RsvpStatus.WAITLISTED
        rsvps.cancel_rsvp(db.session, rsvp=gone, now=clock.now(), secret_key="x", event_url="/")
        db.session.commit()
    return going


def _reminders_to(smtp) -> list[str]:
    return sorted(mail["To"] for mail in smtp.messages if mail["Subject"].startswith("See you"))


def test_notify_run_the_day_before_reminds_each_confirmed_attendee_once(
    runner, clinic, attendees, smtp
):
    with clock.frozen(DAY_BEFORE_EARLY):
        _notify_run(runner)
    assert _reminders_to(smtp) == []  # before the dealership's reminder time
    with clock.frozen(DAY_BEFORE):
        output = _notify_run(runner)
    assert "2 new messages" in output
    assert _reminders_to(smtp) == ["grace@example.com", "tom@example.com"]
    with clock.frozen(DAY_BEFORE + timedelta(hours=3)):
        assert "0 new messages" in _notify_run(runner)
    assert len(_reminders_to(smtp)) == 2

    [grace] = [
        mail
        for mail in smtp.messages
        if mail["To"] == "grace@example.com" and mail["Subject"].startswith("See you")
    ]
    assert grace["Subject"] == "See you tomorrow: Winter care clinic"
    text = grace.get_body(("plain",)).get_content()
    assert "Hello Grace," in text
    assert "Winter care clinic is tomorrow, Thursday 10 December 2026, 11:00 AM to 1:00 PM EST" in (
        text
    )
    assert "Service centre, 12 Harbour Road" in text
    assert "Your seats are for you and 1 guest." in text
    assert "Bring your car" in text and "cancel from the event page" in text
    assert not list(grace.iter_attachments())
    keys = [message.key for message in _messages(REMINDER)]
    assert keys == [f"event:{clinic.id}:reminder:2026-12-10:{rsvp.user_id}" for rsvp in attendees]


def test_a_moved_event_reminds_again_for_its_new_day(runner, clinic, attendees, smtp):
    booked_sequence = clinic.sequence
    with clock.frozen(DAY_BEFORE):
        _notify_run(runner)
        details = planning.EventDetails(
            **{name: getattr(clinic, name) for name in planning.EDITABLE},
            capacity=clinic.capacity,
        )
        details.starts_at, details.ends_at = (
            STARTS + timedelta(days=7),
            STARTS + timedelta(days=7, hours=2),
        )
        planning.update_event(
            db.session,
            clinic,
            details,
            now=clock.now(),
            tz=TZ,
            secret_key="x",
            event_url=f"/events/{clinic.id}",
        )
        db.session.commit()
        _notify_run(runner)  # sends the change notices, and no new reminder yet
    assert len(_messages("event_changed")) == 3  # the waitlisted owner hears of it too
    changes = {
        mail["To"]: list(mail.iter_attachments())
        for mail in smtp.messages
        if mail["Subject"].startswith("New details")
    }
    assert sorted(changes) == ["grace@example.com", "tom@example.com", "waiting@example.com"]
    assert changes["waiting@example.com"] == []  # no seat: no calendar file to import
    [moved] = events_of(strict_components(_calendar_file(changes["grace@example.com"][0], True)))
    assert moved.value("DTSTART") == "20261217T160000Z"
    db.session.refresh(clinic)
    assert int(moved.value("SEQUENCE")) == clinic.sequence > booked_sequence
    assert len(_reminders_to(smtp)) == 2
    with clock.frozen(DAY_BEFORE + timedelta(days=7)):
        assert "2 new messages" in _notify_run(runner)
        assert "0 new messages" in _notify_run(runner)
    assert len(_reminders_to(smtp)) == 4
    assert {message.key.split(":")[3] for message in _messages(REMINDER)} == {
        "2026-12-10",
        "2026-12-17",
    }


def test_reminder_time_is_the_dealerships_setting_and_as_of_runs_at_that_time(
    runner, clinic, attendees, smtp
):
    write_settings(db.session, {"dealership.event_reminder_time": "18:00"})
    db.session.commit()
    with clock.frozen(DAY_BEFORE):
        assert "0 new messages" in _notify_run(runner)
    with clock.frozen(BOOKED):  # a run today, as of the day before the clinic
        assert "2 new messages" in _notify_run(runner, "--as-of", "2026-12-09")
    assert len(_reminders_to(smtp)) == 2


def test_without_event_consent_the_reminder_stays_in_the_inbox(
    runner, make_owner, clinic, rsvp_as, smtp
):
    with clock.frozen(BOOKED):
        rsvp_as(make_owner(consent_event_invites=False), clinic)
    with clock.frozen(DAY_BEFORE):
        _notify_run(runner)
    [reminder] = _messages(REMINDER)
    assert reminder.status == DeliveryStatus.INBOX_ONLY
    assert _reminders_to(smtp) == []


def test_a_seat_confirmed_after_the_reminder_time_gets_its_confirmation_only(
    runner, make_owner, clinic, rsvp_as, smtp
):
    evening = datetime.combine(STARTS.date() - timedelta(days=1), time(23, 0), tzinfo=UTC)
    with clock.frozen(evening):
        rsvp_as(make_owner(), clinic)
        _notify_run(runner)
    assert len(_messages(CONFIRMED)) == 1
    assert _messages(REMINDER) == []
