"""Answers under concurrency: a double-submitted form saves one answer per question."""

import pytest
from sqlalchemy import func, select

from portal.events.question_models import RsvpAnswer
from portal.events.services import questions as services
from portal.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.rendezvous import all_at_once, signed_in_sessions

pytestmark = pytest.mark.slow

CLICKS = 8


def _answer_rows() -> list[tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(RsvpAnswer.question_id, func.count()).group_by(RsvpAnswer.question_id)
    ).all()
    db.session.commit()
    return sorted(tuple(row) for row in rows)


def _question(event):
    question = services.add_question(
        db.session, event, kind="text", label="Which car?", required=True, options_text=""
    ).question
    db.session.commit()
    return question


def test_double_submitted_rsvp_with_answers_saves_each_answer_once(
    make_event, make_owner, live_session
):
    event = make_event(capacity=5)
    question = _question(event)
    event_id, field, question_id = event.id, question.field_name, question.id
    [session] = signed_in_sessions(live_session, [make_owner()], TEST_PASSWORD)
    statuses = all_at_once(
        [session] * CLICKS,
        lambda s: s.post(f"/events/{event_id}/rsvp", {"guests": "0", field: "MX-5"}, htmx=True)[0],
    )
    assert all(status == 200 for status in statuses), statuses
    assert _answer_rows() == [(question_id, 1)]


def test_double_submitted_answers_form_saves_each_answer_once(
    make_event, make_owner, rsvp_as, live_session
):
    event = make_event(capacity=5)
    question = _question(event)
    owner = make_owner()
    rsvp = rsvp_as(owner, event)
    path, field, question_id = f"/rsvps/{rsvp.id}/answers", question.field_name, question.id
    [session] = signed_in_sessions(live_session, [owner], TEST_PASSWORD)
    statuses = all_at_once(
        [session] * CLICKS, lambda s: s.post(path, {field: "CX-5"}, htmx=True)[0]
    )
    assert all(status == 200 for status in statuses), statuses
    assert _answer_rows() == [(question_id, 1)]
