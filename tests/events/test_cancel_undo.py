"""Cancelling an RSVP asks first, and can be undone for ten minutes while the seat is free."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.errors import ServiceError
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.rules import UNDO_CANCEL_WINDOW
from portal.events.services import rsvps, undoing
from portal.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.events.test_concurrency import _counts
from tests.rendezvous import all_at_once, signed_in_sessions

HTMX = {"HX-Request": "true"}


def _cancel(rsvp: Rsvp) -> rsvps.RsvpOutcome:
    outcome = rsvps.cancel_rsvp(
        db.session, rsvp=rsvp, now=clock.now(), secret_key="k", event_url="/e"
    )
    db.session.commit()
    return outcome


def _undo(rsvp: Rsvp) -> rsvps.RsvpOutcome:
    outcome = undoing.undo_cancel(
        db.session, rsvp=rsvp, now=clock.now(), secret_key="k", event_url="/e"
    )
    db.session.commit()
    return outcome


def _seats_taken(event: Event) -> int:
    return db.session.scalar(select(Event.seats_taken).where(Event.id == event.id))


def _status(rsvp: Rsvp) -> str:
    return db.session.scalar(select(Rsvp.status).where(Rsvp.id == rsvp.id))


# --- The service ---------------------------------------------------------------------------


def test_undo_gives_the_seat_and_the_same_ticket_back_while_it_is_free(
    make_event, make_owner, rsvp_as
):
    event = make_event(capacity=4, guests_allowed=2)
    rsvp = rsvp_as(make_owner(), event, guests=1)
    ticket = rsvp.ticket_hash
    _cancel(rsvp)
    assert _seats_taken(event) == 0
    outcome = _undo(rsvp)
    assert "your seat is yours again" in outcome.message
    db.session.refresh(rsvp)
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.guests == 1
    assert rsvp.ticket_hash == ticket
    assert (rsvp.cancelled_at, rsvp.cancelled_from) == (None, None)
    assert _seats_taken(event) == 2


def test_undo_is_refused_when_the_seat_went_to_the_waitlist(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    leaving = rsvp_as(make_owner(), event)
    waiting = rsvp_as(make_owner(), event)
    _cancel(leaving)
    assert _status(waiting) == RsvpStatus.CONFIRMED
    with pytest.raises(ServiceError, match="given to someone else.*join the waitlist"):
        _undo(leaving)
    db.session.rollback()
    assert _status(leaving) == RsvpStatus.CANCELLED
    assert _status(waiting) == RsvpStatus.CONFIRMED
    assert _seats_taken(event) == 1


def test_undo_is_refused_when_a_new_rsvp_took_the_seat(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    leaving = rsvp_as(make_owner(), event)
    _cancel(leaving)
    newcomer = rsvp_as(make_owner(), event)
    assert newcomer.status == RsvpStatus.CONFIRMED
    with pytest.raises(ServiceError, match="given to someone else"):
        _undo(leaving)
    db.session.rollback()
    assert _seats_taken(event) == 1


def test_undo_after_ten_minutes_is_refused(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3)
    rsvp = rsvp_as(make_owner(), event)
    start = clock.now()
    with clock.frozen(start):
        _cancel(rsvp)
    with clock.frozen(start + UNDO_CANCEL_WINDOW - timedelta(seconds=1)):
        db.session.rollback()
    with (
        clock.frozen(start + UNDO_CANCEL_WINDOW),
        pytest.raises(ServiceError, match="undone for 10 minutes, and that time has passed"),
    ):
        _undo(rsvp)
    db.session.rollback()
    assert _status(rsvp) == RsvpStatus.CANCELLED
    assert _seats_taken(event) == 0


def test_undo_just_inside_ten_minutes_still_works(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3)
    rsvp = rsvp_as(make_owner(), event)
    start = clock.now()
    with clock.frozen(start):
        _cancel(rsvp)
    with clock.frozen(start + UNDO_CANCEL_WINDOW - timedelta(seconds=1)):
        _undo(rsvp)
    assert _status(rsvp) == RsvpStatus.CONFIRMED


def test_leaving_the_waitlist_and_undoing_keeps_the_place_in_the_queue(
    make_event, make_owner, rsvp_as
):
    event = make_event(capacity=1)
    rsvp_as(make_owner(), event)
    first = rsvp_as(make_owner(), event)
    second = rsvp_as(make_owner(), event)
    queued_at = first.waitlisted_at
    _cancel(first)
    outcome = _undo(first)
    assert "in the same place as before" in outcome.message
    db.session.refresh(first)
    assert first.status == RsvpStatus.WAITLISTED and first.waitlisted_at == queued_at
    assert first.waitlisted_at <= db.session.get(Rsvp, second.id).waitlisted_at


def test_undoing_twice_takes_one_seat(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3)
    rsvp = rsvp_as(make_owner(), event)
    _cancel(rsvp)
    _undo(rsvp)
    again = _undo(rsvp)
    assert "nothing to undo" in again.message
    assert _seats_taken(event) == 1


def test_a_new_rsvp_after_cancelling_leaves_nothing_to_undo(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3)
    owner = make_owner()
    rsvp = rsvp_as(owner, event)
    _cancel(rsvp)
    rsvp_as(owner, event)
    _cancel(rsvp)
    db.session.refresh(rsvp)
    assert rsvp.cancelled_from == RsvpStatus.CONFIRMED  # the latest cancellation's own
    rsvp.cancelled_from = None  # as an RSVP cancelled before undo existed
    db.session.commit()
    with pytest.raises(ServiceError, match="no cancellation to undo"):
        _undo(rsvp)


def test_a_cancelled_event_takes_no_undo(app, make_event, make_owner, rsvp_as):
    from portal.events.services import planning

    event = make_event(capacity=3)
    rsvp = rsvp_as(make_owner(), event)
    _cancel(rsvp)
    planning.cancel_event(db.session, event, "", now=clock.now(), tz="UTC", event_url="/e")
    db.session.commit()
    with pytest.raises(ServiceError, match="no longer takes changes"):
        _undo(rsvp)


# --- The pages, with and without JavaScript -------------------------------------------------


def _my_rsvp(client, login, make_owner, make_event, **event_values):
    event = make_event(**event_values)
    owner = make_owner()
    login(owner)
    client.post(f"/events/{event.id}/rsvp", data={"guests": "0"})
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.user_id == owner.id))
    return event, rsvp


def test_the_event_page_asks_before_cancelling(client, login, make_owner, make_event):
    event, rsvp = _my_rsvp(client, login, make_owner, make_event)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/rsvps/{rsvp.id}/cancel"' in page
    assert f'action="/rsvps/{rsvp.id}/cancel"' not in page


def test_without_javascript_the_question_is_a_page_and_the_answer_a_post(
    client, login, make_owner, make_event
):
    event, rsvp = _my_rsvp(client, login, make_owner, make_event, capacity=5)
    response = client.get(f"/rsvps/{rsvp.id}/cancel")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<!doctype html>" in html.lower()
    assert "Cancel your RSVP?" in html and "For 10 minutes you can undo this" in html
    assert (
        f'<form method="post" action="/rsvps/{rsvp.id}/cancel" class="rsvp-form rsvp-ask">' in html
    )
    assert "Keep my seat" in html
    assert _status(rsvp) == RsvpStatus.CONFIRMED  # asking changed nothing

    response = client.post(f"/rsvps/{rsvp.id}/cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your RSVP is cancelled." in page and "Undo: keep my seat" in page
    assert re.search(r"You can undo until <time[^>]*>[^<]*</time>, as long as nobody", page)

    response = client.post(f"/rsvps/{rsvp.id}/undo-cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "your seat is yours again" in page and "You're going" in page
    assert _status(rsvp) == RsvpStatus.CONFIRMED


def test_with_htmx_the_box_asks_cancels_and_undoes_in_place(client, login, make_owner, make_event):
    event, rsvp = _my_rsvp(client, login, make_owner, make_event, capacity=5)
    asked = client.get(f"/rsvps/{rsvp.id}/cancel", headers=HTMX).get_data(as_text=True)
    assert asked.lstrip().startswith('<section id="rsvp-box"')
    assert f'hx-post="/rsvps/{rsvp.id}/cancel"' in asked
    assert 'hx-select="#rsvp-box"' in asked  # "Keep my seat" restores the box
    cancelled = client.post(f"/rsvps/{rsvp.id}/cancel", headers=HTMX).get_data(as_text=True)
    assert 'data-seats-left="5"' in cancelled
    assert f'hx-post="/rsvps/{rsvp.id}/undo-cancel"' in cancelled
    undone = client.post(f"/rsvps/{rsvp.id}/undo-cancel", headers=HTMX)
    assert undone.status_code == 200
    assert 'data-seats-left="4"' in undone.get_data(as_text=True)


def test_when_the_seat_is_gone_the_box_says_so_and_offers_the_waitlist(
    client, login, make_owner, make_event, rsvp_as
):
    event, rsvp = _my_rsvp(client, login, make_owner, make_event, capacity=1)
    waiting = rsvp_as(make_owner(), event)
    page_after = client.post(f"/rsvps/{rsvp.id}/cancel", headers=HTMX).get_data(as_text=True)
    assert _status(waiting) == RsvpStatus.CONFIRMED
    assert "Undo" not in page_after
    assert "Your seat has been given to someone else since you cancelled" in page_after
    assert "Join the waitlist" in page_after
    # An undo posted anyway (an old tab) is refused with the reason, and changes nothing.
    refused = client.post(f"/rsvps/{rsvp.id}/undo-cancel", headers=HTMX)
    assert refused.status_code == 422
    assert "given to someone else in the meantime" in refused.get_data(as_text=True)
    assert _status(rsvp) == RsvpStatus.CANCELLED


def test_after_ten_minutes_the_box_no_longer_offers_undo(client, login, make_owner, make_event):
    start = clock.now()
    with clock.frozen(start):
        event, rsvp = _my_rsvp(client, login, make_owner, make_event, capacity=5)
        client.post(f"/rsvps/{rsvp.id}/cancel")
    with clock.frozen(start + UNDO_CANCEL_WINDOW + timedelta(seconds=1)):
        page = client.get(f"/events/{event.id}").get_data(as_text=True)
        assert "Undo" not in page and "welcome to RSVP again" in page
        refused = client.post(f"/rsvps/{rsvp.id}/undo-cancel", headers=HTMX)
    assert refused.status_code == 422
    assert "that time has passed" in refused.get_data(as_text=True)


def test_another_owners_rsvp_cannot_be_asked_about_or_undone(
    client, login, make_owner, make_event, rsvp_as
):
    event = make_event()
    theirs = rsvp_as(make_owner(), event)
    _cancel(theirs)
    login(make_owner())
    assert client.get(f"/rsvps/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/rsvps/{theirs.id}/undo-cancel").status_code == 404
    assert _status(theirs) == RsvpStatus.CANCELLED


def test_undo_needs_a_csrf_token(client, login, make_owner, make_event):
    event, rsvp = _my_rsvp(client, login, make_owner, make_event)
    client.post(f"/rsvps/{rsvp.id}/cancel")
    assert client.post(f"/rsvps/{rsvp.id}/undo-cancel", csrf=False).status_code == 400
    assert _status(rsvp) == RsvpStatus.CANCELLED


# --- Under concurrency -----------------------------------------------------------------------


@pytest.fixture
def app_config(app_config):
    """Several sign-ins from one address would trip the login rate limit; not under test."""
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.mark.slow
def test_an_undo_racing_new_rsvps_for_the_freed_seat_never_overfills(
    make_event, make_owner, rsvp_as, live_session
):
    event = make_event(capacity=1)
    leaving = make_owner()
    rsvp = rsvp_as(leaving, event)
    _cancel(rsvp)
    racers = [make_owner() for _ in range(5)]
    event_id, rsvp_id = event.id, rsvp.id
    sessions = signed_in_sessions(live_session, [leaving, *racers], TEST_PASSWORD)
    undoer = sessions[0]

    def act(session):
        if session is undoer:
            return session.post(f"/rsvps/{rsvp_id}/undo-cancel", htmx=True)[0]
        return session.post(f"/events/{event_id}/rsvp", {"guests": "0"}, htmx=True)[0]

    statuses = all_at_once(sessions, act)
    assert all(status in (200, 422) for status in statuses), statuses
    by_status, seats_taken = _counts(event_id)
    assert seats_taken == 1
    assert by_status[RsvpStatus.CONFIRMED] == (1, 1)
    undo_won = statuses[0] == 200
    assert (_status(rsvp) == RsvpStatus.CONFIRMED) is undo_won
    assert by_status.get(RsvpStatus.WAITLISTED, (0, 0))[0] == (5 if undo_won else 4)
