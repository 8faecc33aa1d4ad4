"""Undoing a check-in from the attendee list, as the door can: on the day only, points
reversed once, audited, the row swapped in place with htmx and a redirect without it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEntry
from portal.events.models import Rsvp, RsvpStatus
from portal.extensions import db
from portal.points.queries import points_balance
from tests.factories import TZ

HTMX = {"HX-Request": "true"}
LOCAL = ZoneInfo(TZ)


@pytest.fixture
def evening(make_event, make_owner, make_coordinator, rsvp_as, client, login):
    """An evening event ten days ahead, Priya booked, Dana signed in on the day."""
    day = clock.now().astimezone(LOCAL).date() + timedelta(days=10)
    start = datetime.combine(day, time(18, 0), tzinfo=LOCAL)
    event = make_event(starts_at=start)
    priya = make_owner(name="Priya Patel")
    rsvp = rsvp_as(priya, event)
    dana = make_coordinator(name="Dana Whitfield")
    with clock.frozen(start - timedelta(hours=1)):
        login(dana)
    base = f"/admin/events/{event.id}/rsvps/{rsvp.id}"
    return {"event": event, "rsvp": rsvp, "owner": priya, "start": start, "base": base}


def _rsvp(rsvp_id: int) -> Rsvp:
    db.session.expire_all()
    return db.session.get(Rsvp, rsvp_id)


def _undo_audits() -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.action == "rsvp.undo_check_in"))


def test_the_list_offers_undo_on_the_day_and_htmx_swaps_the_row(client, evening):
    with clock.frozen(evening["start"] + timedelta(minutes=2)):
        row = client.post(f"{evening['base']}/check-in", headers=HTMX).text
        assert f"{evening['base']}/undo-check-in" in row
        assert (
            f"{evening['base']}/undo-check-in"
            in client.get(f"/admin/events/{evening['event'].id}").text
        )
        undone = client.post(f"{evening['base']}/undo-check-in", headers=HTMX)
    assert undone.status_code == 200
    assert undone.text.lstrip().startswith(f'<tr id="rsvp-{evening["rsvp"].id}">')
    assert 'id="event-stats"' in undone.text and "hx-swap-oob" in undone.text
    assert ">Check in<" in undone.text and "undo-check-in" not in undone.text
    rsvp = _rsvp(evening["rsvp"].id)
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.checked_in_at is None
    assert points_balance(db.session, evening["owner"].id) == 0
    assert _undo_audits() == 1


def test_without_javascript_undo_redirects_to_the_list_and_says_so(client, evening):
    with clock.frozen(evening["start"] + timedelta(minutes=2)):
        client.post(f"{evening['base']}/check-in")
        response = client.post(f"{evening['base']}/undo-check-in")
        page = client.get(response.headers["Location"]).text
    assert response.status_code == 303
    assert "Undone: Priya Patel is no longer checked in" in page
    assert _rsvp(evening["rsvp"].id).status == RsvpStatus.CONFIRMED


def test_a_second_undo_reverses_nothing_more_and_says_why(client, evening):
    with clock.frozen(evening["start"] + timedelta(minutes=2)):
        client.post(f"{evening['base']}/check-in")
        client.post(f"{evening['base']}/undo-check-in", headers=HTMX)
        again = client.post(f"{evening['base']}/undo-check-in", headers=HTMX).text
    assert "not checked in, so there" in again
    assert points_balance(db.session, evening["owner"].id) == 0
    assert _undo_audits() == 1


def test_after_the_event_day_the_list_offers_no_undo_and_refuses_one(client, evening):
    with clock.frozen(evening["start"] + timedelta(minutes=2)):
        client.post(f"{evening['base']}/check-in")
    with clock.frozen(evening["start"] + timedelta(hours=7)):
        page = client.get(f"/admin/events/{evening['event'].id}").text
        late = client.post(f"{evening['base']}/undo-check-in", headers=HTMX).text
    assert "undo-check-in" not in page
    assert "only be undone on the day of the event" in late
    assert _rsvp(evening["rsvp"].id).status == RsvpStatus.ATTENDED
    assert points_balance(db.session, evening["owner"].id) == 50


def test_undo_needs_the_csrf_token_and_the_rsvp_of_that_event(client, evening, make_event):
    other = make_event("Spring launch")
    with clock.frozen(evening["start"] + timedelta(minutes=2)):
        client.post(f"{evening['base']}/check-in")
        forged = client.post(f"{evening['base']}/undo-check-in", csrf=False)
        elsewhere = client.post(
            f"/admin/events/{other.id}/rsvps/{evening['rsvp'].id}/undo-check-in"
        )
    assert forged.status_code == 400 and elsewhere.status_code == 404
    assert _rsvp(evening["rsvp"].id).status == RsvpStatus.ATTENDED
