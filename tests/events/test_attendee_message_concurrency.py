"""The same previewed message sent twice at once (a double click, two tabs): it goes once."""

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.events.models import EventMessage, RsvpStatus
from portal.events.services import broadcasts
from portal.extensions import db
from portal.notifications.models import Notification
from tests.conftest import TEST_PASSWORD
from tests.rendezvous import Rendezvous, all_at_once

pytestmark = pytest.mark.slow

#: The real claim, kept before any test swaps it.
CLAIMED = broadcasts._claimed


def _after_both_looked(racers: Rendezvous, claim_it):
    """Both requests have looked for an earlier send of the claim (none yet) before either
    claims it (forced)."""

    def claim(session, values):
        session.commit()  # end the reads' transaction, so the other request can read too
        racers.meet()
        return claim_it(session, values)

    return claim


def _unclaimed(session, values):
    """Insert the record under a fresh claim of its own: the protection switched off."""
    return CLAIMED(session, values | {"claim": broadcasts.new_claim()})


def _race(make_event, make_owner, make_coordinator, add_rsvp, live_session):
    """Two coordinators press Send on the same preview at once; (answers, records, copies,
    audits)."""
    event = make_event("Winter care clinic")
    for number in range(3):
        add_rsvp(event, make_owner(name=f"Owner {number}"), RsvpStatus.CONFIRMED)
    emails = [make_coordinator(name=name).email for name in ("Dana Door", "Sam Rivera")]
    path = f"/admin/events/{event.id}/message/send"
    form = {
        "audience": "confirmed",
        "subject": "Parking has moved",
        "body": "Please use the side lot.",
        "claim": broadcasts.new_claim(),
    }
    db.session.commit()  # SQLite: hold no write lock while the server works
    sessions = []
    for email in emails:
        session = live_session()
        session.login(email, TEST_PASSWORD)
        sessions.append(session)
    answers = all_at_once(sessions, lambda s: s.post(path, form))
    db.session.expire_all()

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    result = (
        answers,
        count(EventMessage),
        count(Notification, Notification.kind == broadcasts.KIND),
        count(AuditEntry, AuditEntry.action == "event.message"),
    )
    db.session.commit()
    return result


def test_two_sends_of_one_preview_at_once_send_it_once(
    make_event, make_owner, make_coordinator, add_rsvp, live_session, monkeypatch
):
    monkeypatch.setattr(broadcasts, "_claimed", _after_both_looked(Rendezvous(2), CLAIMED))
    answers, records, copies, audits = _race(
        make_event, make_owner, make_coordinator, add_rsvp, live_session
    )
    assert [status for status, _ in answers] == [303, 303]
    assert (records, copies, audits) == (1, 3, 1)


def test_control_without_the_claim_both_sends_go_out(
    make_event, make_owner, make_coordinator, add_rsvp, live_session, monkeypatch
):
    monkeypatch.setattr(broadcasts, "_claimed", _after_both_looked(Rendezvous(2), _unclaimed))
    answers, records, copies, audits = _race(
        make_event, make_owner, make_coordinator, add_rsvp, live_session
    )
    assert [status for status, _ in answers] == [303, 303]
    assert (records, copies, audits) == (2, 6, 2), "the control should send twice"
