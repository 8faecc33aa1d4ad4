"""Visitors' RSVPs to public events: asked by email, confirmed from the link, cancelled from it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.errors import ServiceError
from portal.events import queries
from portal.events.door_search import door_search
from portal.events.models import Audience, Event, Rsvp, RsvpStatus
from portal.events.services import guests, rsvps
from portal.events.services.checkin import check_in
from portal.extensions import db


def _event(make_event, **values) -> Event:
    return make_event(audience=Audience.PUBLIC, **values)


def _ask(event, email="sam@example.org", name="Sam Rivera", guests_=0):
    outcome = guests.request_guest_rsvp(
        db.session,
        event=event,
        name=name,
        email=email,
        guests=guests_,
        invite=None,
        now=clock.now(),
    )
    db.session.commit()
    return outcome


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())


def _confirm_token(outbox) -> str:
    link = next(link for link in _links(outbox()[-1]) if "/visit/confirm/" in link)
    return link.rsplit("/", 1)[1]


def _confirm(app, event, token):
    outcome = guests.confirm_guest_rsvp(
        db.session,
        event=event,
        request=guests.read_request(token),
        now=clock.now(),
        secret_key=app.config["SECRET_KEY"],
    )
    db.session.commit()
    return outcome


def _seats(event) -> int:
    db.session.refresh(event)
    return event.seats_taken


def test_an_unconfirmed_guest_rsvp_holds_no_seat(make_event, outbox):
    event = _event(make_event, capacity=1)
    outcome = _ask(event)
    assert "No seat is held" in outcome.message
    assert _seats(event) == 0
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 0
    [mail] = outbox()
    assert mail["To"] == "sam@example.org"
    assert "/events/visit/confirm/" in mail.get_body(("plain",)).get_content()


def test_confirming_takes_a_seat_and_emails_the_calendar_and_a_cancel_link(app, make_event, outbox):
    event = _event(make_event, capacity=3, guests_allowed=1)
    _ask(event, guests_=1)
    outcome = _confirm(app, event, _confirm_token(outbox))
    assert outcome.rsvp.status == RsvpStatus.CONFIRMED and outcome.rsvp.is_guest
    assert _seats(event) == 2
    mail = outbox()[-1]
    assert mail["Subject"].startswith("You're booked")
    assert any("/events/visit/cancel/" in link for link in _links(mail))
    [calendar] = [
        part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert b"BEGIN:VEVENT" in calendar.get_payload(decode=True)


def test_confirming_a_full_event_joins_the_waitlist(app, make_event, make_owner, rsvp_as, outbox):
    event = _event(make_event, capacity=1)
    rsvp_as(make_owner(), event)
    _ask(event)
    outcome = _confirm(app, event, _confirm_token(outbox))
    assert outcome.rsvp.status == RsvpStatus.WAITLISTED
    assert _seats(event) == 1
    assert outbox()[-1]["Subject"].startswith("You're on the waitlist")


def test_confirming_twice_keeps_one_rsvp_and_one_seat(app, make_event, outbox):
    event = _event(make_event, capacity=5)
    _ask(event)
    token = _confirm_token(outbox)
    _confirm(app, event, token)
    again = _confirm(app, event, token)
    assert "already have a place" in again.message
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 1
    assert _seats(event) == 1


def test_one_live_guest_rsvp_per_email_per_event(app, make_event, outbox):
    event = _event(make_event)
    _ask(event, email="Sam@Example.org")
    _confirm(app, event, _confirm_token(outbox))
    with pytest.raises(ServiceError, match="already have a place"):
        _ask(event, email="sam@example.org ")


def test_members_owners_only_events_and_closed_rsvps_are_refused(make_event, make_owner):
    member = make_owner(email="owner@example.org")
    with pytest.raises(ServiceError, match="sign in"):
        _ask(_event(make_event), email=member.email)
    with pytest.raises(ServiceError, match="members of the Owners Club"):
        _ask(make_event(audience=Audience.OWNERS))
    closed = _event(make_event, rsvp_closes_at=clock.now() - timedelta(hours=1))
    with pytest.raises(ServiceError, match="closed"):
        _ask(closed)
    with pytest.raises(ServiceError, match="no room for guests"):
        _ask(_event(make_event), guests_=1)


def test_waitlist_promotion_takes_guests_in_queue_order(
    app, make_event, make_owner, rsvp_as, outbox
):
    event = _event(make_event, capacity=1)
    first = rsvp_as(make_owner(), event)
    _ask(event)
    guest = _confirm(app, event, _confirm_token(outbox)).rsvp
    later_owner = rsvp_as(make_owner(), event)
    rsvps.cancel_rsvp(
        db.session, rsvp=first, now=clock.now(), secret_key=app.config["SECRET_KEY"], event_url="/e"
    )
    db.session.commit()
    assert db.session.get(Rsvp, guest.id).status == RsvpStatus.CONFIRMED
    assert db.session.get(Rsvp, later_owner.id).status == RsvpStatus.WAITLISTED
    assert outbox()[-1]["Subject"].startswith("A seat opened up for you")
    assert _seats(event) == 1


def test_cancel_link_names_the_current_booking_only(app, make_event, outbox):
    event = _event(make_event)
    _ask(event)
    rsvp = _confirm(app, event, _confirm_token(outbox)).rsvp
    cancel_link = next(link for link in _links(outbox()[-1]) if "/visit/cancel/" in link)
    token = cancel_link.rsplit("/", 1)[1]
    assert guests.rsvp_from_cancel_token(db.session, token).id == rsvp.id
    assert guests.rsvp_from_cancel_token(db.session, token[:-2] + "xx") is None
    rsvp.guest_nonce = "rebooked"
    db.session.commit()
    assert guests.rsvp_from_cancel_token(db.session, token) is None


def test_guests_appear_on_the_attendee_list_and_at_the_door(
    app, make_event, make_owner, rsvp_as, outbox
):
    event = _event(make_event, capacity=5)
    rsvp_as(make_owner(name="Alex Owner"), event)
    _ask(event, name="Sam Rivera")
    _confirm(app, event, _confirm_token(outbox))
    rows = queries.attendees(db.session, event)
    visitor = next(row for row in rows if row.rsvp.is_guest)
    assert visitor.user.name == "Sam Rivera" and visitor.user.email == "sam@example.org"
    found = door_search(db.session, event, "rivera")
    assert [row.user.name for row in found.rows] == ["Sam Rivera"]
    assert door_search(db.session, event, "sam@example").rows


def test_a_guest_is_checked_in_without_points(app, make_event, coordinator, outbox):
    event = _event(make_event, starts_at=clock.now() + timedelta(minutes=30))
    _ask(event)
    rsvp = _confirm(app, event, _confirm_token(outbox)).rsvp
    done = check_in(db.session, rsvp_id=rsvp.id, staff_id=coordinator.id, now=clock.now())
    db.session.commit()
    assert done.first_time and done.rsvp.status == RsvpStatus.ATTENDED


def test_calling_the_event_off_emails_visitors_with_a_place(app, make_event, outbox):
    from portal.events.services import planning

    event = _event(make_event)
    _ask(event)
    _confirm(app, event, _confirm_token(outbox))
    planning.cancel_event(
        db.session, event, "The showroom is flooded.", now=clock.now(), tz="UTC", event_url="/e"
    )
    db.session.commit()
    mail = outbox()[-1]
    assert mail["To"] == "sam@example.org" and mail["Subject"].startswith("Cancelled:")
    assert "The showroom is flooded." in mail.get_body(("plain",)).get_content()
