"""`flask notify run` asks "How did it go?" once, the day after a dealership visit."""

import json
from datetime import UTC, datetime
from pathlib import Path

from portal.notifications.models import DeliveryStatus
from tests.feedback.helpers import link_of, survey_messages, surveys


def test_the_owner_is_asked_once_the_day_after_and_never_again(
    make_owner, make_visit, run_job, outbox
):
    owner = make_owner(name="Sam Okafor")
    make_visit(owner)
    run_job("2026-11-30")  # the day of the visit: too soon
    assert survey_messages() == []
    run_job("2026-12-01")
    run_job("2026-12-01")
    run_job("2026-12-02")
    (message,) = survey_messages()
    assert message.key == f"feedback:service-record-{surveys()[0].visit.id}"
    assert message.subject == "How did the 30,000-mile service on your Golf go, Sam?"
    assert len(surveys()) == 1
    (email,) = outbox()
    assert email["Subject"] == message.subject
    text = email.get_body(("plain",)).get_content()
    assert "Hello Sam," in text
    assert f"http://localhost{link_of(message)}" in text


def test_the_day_after_is_the_dealerships_day_not_utcs(make_owner, make_visit, run_job):
    make_visit(make_owner())
    # 03:00 UTC on 1 December is still 30 November, 10 PM, in New York.
    run_job(at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    assert survey_messages() == []
    run_job(at=datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
    assert len(survey_messages()) == 1


def test_visits_elsewhere_and_old_history_are_not_asked_about(make_owner, make_visit, run_job):
    owner = make_owner()
    make_visit(owner, at_dealership=False)
    make_visit(owner, on=datetime(2026, 11, 1).date())  # a month ago: imported history
    run_job("2026-12-01")
    assert survey_messages() == []
    assert surveys() == []


def test_a_sold_car_and_a_closed_account_are_not_asked_about(
    make_owner, make_visit, make_vehicle, run_job
):
    from portal.extensions import db

    seller, closed = make_owner(), make_owner()
    sold = make_vehicle(seller, retired_at=datetime(2026, 11, 30, 20, tzinfo=UTC))
    make_visit(seller, car=sold)
    make_visit(closed)
    closed.deactivated_at = datetime(2026, 11, 30, 20, tzinfo=UTC)
    db.session.commit()
    run_job("2026-12-01")
    assert survey_messages() == []


def test_without_consent_the_question_stays_in_the_inbox(make_owner, make_visit, run_job, outbox):
    owner = make_owner(consent_service=False)
    make_visit(owner)
    run_job("2026-12-01")
    (message,) = survey_messages()
    assert message.status == DeliveryStatus.INBOX_ONLY
    assert outbox() == []


def test_an_inbox_owner_gets_it_in_the_inbox_only(make_owner, make_visit, run_job, outbox):
    make_visit(make_owner(preferred_channel="inbox"))
    run_job("2026-12-01")
    (message,) = survey_messages()
    assert message.status == DeliveryStatus.INBOX_ONLY
    assert outbox() == []


def test_a_text_carries_the_short_link(app, make_owner, make_visit, run_job, outbox):
    owner = make_owner(name="Priya Patel", preferred_channel="sms", phone="+12025550101")
    make_visit(owner)
    run_job("2026-12-01")
    (message,) = survey_messages()
    assert message.status == DeliveryStatus.SENT
    assert outbox() == []
    (sent,) = (Path(app.config["MAIL_OUTBOX"]) / "sms").glob("*.json")
    text = json.loads(sent.read_text())
    assert text["to"] == "+12025550101"
    assert len(text["body"]) <= 640
    assert text["body"].startswith("How did the 30,000-mile service on your Golf go, Priya?")
    link = f"http://localhost{link_of(message)}"
    assert link in text["body"]
    assert len(link_of(message)) < 45  # short enough for a text


def test_a_text_without_consent_stays_in_the_inbox(app, make_owner, make_visit, run_job):
    make_visit(make_owner(preferred_channel="sms", phone="+12025550101", consent_service=False))
    run_job("2026-12-01")
    (message,) = survey_messages()
    assert message.status == DeliveryStatus.INBOX_ONLY
    assert not (Path(app.config["MAIL_OUTBOX"]) / "sms").exists()


def test_two_visits_are_two_questions(make_owner, make_visit, run_job):
    owner = make_owner()
    make_visit(owner)
    make_visit(owner, work_done="Front brake pads and rotors replaced.")
    run_job("2026-12-01")
    subjects = sorted(message.subject for message in survey_messages())
    assert len(subjects) == 2
    assert any(subject.startswith("How did your Golf's visit go") for subject in subjects)
