"""Two phones check the same attendee in at once: they are in once, with their points once."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from portal import clock
from portal.audit import AuditEntry
from portal.events.models import Rsvp, RsvpStatus
from portal.events.services import checkin
from portal.extensions import db
from portal.points.models import PointsEntry
from tests.conftest import TEST_PASSWORD
from tests.factories import TZ
from tests.rendezvous import Rendezvous, all_at_once

pytestmark = pytest.mark.slow


def _start() -> datetime:
    day = clock.now().astimezone(ZoneInfo(TZ)).date() + timedelta(days=3)
    return datetime.combine(day, time(18, 0), tzinfo=ZoneInfo(TZ))


def _after_both_read(racers: Rendezvous, mark_attended):
    """Both requests have read the RSVP as confirmed before either writes (forced)."""

    def mark(session, *args):
        session.commit()  # end the read's transaction, so the other phone can read too
        racers.meet()
        return mark_attended(session, *args)

    return mark


def _naive_mark_attended(session, rsvp_id, staff_id, now, arrived):
    """Mark attended without the UPDATE's condition: the protection switched off."""
    session.execute(
        update(Rsvp)
        .where(Rsvp.id == rsvp_id)
        .values(
            status=RsvpStatus.ATTENDED,
            checked_in_at=now,
            checked_in_by_id=staff_id,
            arrived_guests=arrived,
            check_ins=Rsvp.check_ins + 1,
        )
    )
    return True


def _race(make_event, make_owner, make_coordinator, rsvp_as, live_session):
    """Two coordinators press Check in for the same person at once; (answers, ledger, audits)."""
    start = _start()
    event = make_event(starts_at=start)
    owner = make_owner(name="Priya Patel")
    rsvp = rsvp_as(owner, event)
    staff = [make_coordinator(name="Dana Whitfield"), make_coordinator(name="Sam Rivera")]
    path = f"/admin/events/{event.id}/door/{rsvp.id}/check-in"
    owner_id, emails = owner.id, [member.email for member in staff]
    db.session.commit()  # SQLite: hold no write lock while the server works
    with clock.frozen(start):
        sessions = []
        for email in emails:
            session = live_session()
            session.login(email, TEST_PASSWORD)
            sessions.append(session)
        answers = all_at_once(sessions, lambda s: s.post(path, htmx=True))
    db.session.expire_all()
    ledger = list(
        db.session.scalars(select(PointsEntry.points).where(PointsEntry.user_id == owner_id))
    )
    audits = db.session.scalar(select(func.count()).where(AuditEntry.action == "rsvp.check_in"))
    db.session.commit()
    return answers, ledger, audits


def test_a_double_check_in_lets_them_in_once_and_awards_the_points_once(
    make_event, make_owner, make_coordinator, rsvp_as, live_session, monkeypatch
):
    monkeypatch.setattr(
        checkin, "_mark_attended", _after_both_read(Rendezvous(2), checkin._mark_attended)
    )
    answers, ledger, audits = _race(make_event, make_owner, make_coordinator, rsvp_as, live_session)
    assert [status for status, _ in answers] == [200, 200]
    told_already = [html for _, html in answers if "was already checked in at" in html]
    assert len(told_already) == 1
    assert ledger == [50] and audits == 1


def test_control_without_the_conditional_update_both_phones_award_points(
    make_event, make_owner, make_coordinator, rsvp_as, live_session, monkeypatch
):
    monkeypatch.setattr(
        checkin, "_mark_attended", _after_both_read(Rendezvous(2), _naive_mark_attended)
    )
    answers, ledger, audits = _race(make_event, make_owner, make_coordinator, rsvp_as, live_session)
    assert all(status < 500 for status, _ in answers)
    assert ledger == [50, 50], "the control should award twice; the race test proves nothing"
    assert audits == 2
