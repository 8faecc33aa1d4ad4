"""RSVP rules, called as services: seats, waitlist, guests, capacity, audience, windows."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.errors import ServiceError
from portal.events import queries
from portal.events.models import Audience, Event, Rsvp, RsvpStatus
from portal.events.services import guests, invitations, rsvps
from portal.events.services import planning as services
from portal.extensions import db
from portal.notifications.models import Notification
from tests.factories import TZ


def _seats_confirmed(event_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event_id,
            Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED]),
        )
    )


def _cancel(app, rsvp):
    outcome = rsvps.cancel_rsvp(
        db.session, rsvp=rsvp, now=clock.now(), secret_key=app.config["SECRET_KEY"], event_url="/e"
    )
    db.session.commit()
    return outcome


def test_rsvp_takes_a_seat_with_guests_and_issues_a_ticket(make_event, make_owner, rsvp_as):
    event = make_event(capacity=5, guests_allowed=2)
    rsvp = rsvp_as(make_owner(), event, guests=2)
    assert rsvp.status == RsvpStatus.CONFIRMED
    assert rsvp.ticket_hash and rsvp.ticket_nonce
    db.session.refresh(event)
    assert event.seats_taken == 3 == _seats_confirmed(event.id)


def test_full_event_puts_owner_on_waitlist(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    rsvp_as(make_owner(), event)
    second = rsvp_as(make_owner(), event)
    assert second.status == RsvpStatus.WAITLISTED
    assert second.ticket_hash is None


def test_rsvp_twice_keeps_one_row_and_one_seat(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3)
    owner = make_owner()
    rsvp_as(owner, event)
    rsvp_as(owner, event)
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == 1
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_more_guests_than_allowed_is_refused(make_event, make_owner, rsvp_as):
    event = make_event(guests_allowed=1)
    with pytest.raises(ServiceError, match="up to 1 guests"):
        rsvp_as(make_owner(), event, guests=2)


def test_cancel_promotes_first_waitlisted_and_notifies_them(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    first = rsvp_as(make_owner(), event)
    waiting = rsvp_as(make_owner(name="Grace Whitfield"), event)
    later = rsvp_as(make_owner(), event)
    outcome = _cancel(app, first)
    assert len(outcome.notification_ids) == 1
    db.session.refresh(waiting)
    db.session.refresh(later)
    assert waiting.status == RsvpStatus.CONFIRMED and waiting.ticket_hash
    assert later.status == RsvpStatus.WAITLISTED
    message = db.session.get(Notification, outcome.notification_ids[0])
    assert message.user_id == waiting.user_id
    assert "Grace" in message.body and event.title in message.subject


def test_promotion_skips_a_party_that_does_not_fit(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=2, guests_allowed=2)
    holder = rsvp_as(make_owner(), event, guests=1)
    big_party = rsvp_as(make_owner(), event, guests=2)  # needs 3 seats
    single = rsvp_as(make_owner(), event)
    holder_seat = rsvp_as(make_owner(), event)  # waitlisted too
    assert holder_seat.status == RsvpStatus.WAITLISTED
    rsvps.change_guests(
        db.session, rsvp=holder, guests=0, now=clock.now(), secret_key="k", event_url="/e"
    )
    db.session.commit()
    db.session.refresh(big_party)
    db.session.refresh(single)
    assert big_party.status == RsvpStatus.WAITLISTED
    assert single.status == RsvpStatus.CONFIRMED
    db.session.refresh(event)
    assert event.seats_taken == 2 == _seats_confirmed(event.id)


def test_waitlist_puts_ambassadors_first_when_the_event_says_so(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1, ambassador_priority=True)
    rsvp_as(make_owner(), event)
    member = rsvp_as(make_owner(), event)
    ambassador = rsvp_as(make_owner(tier_level=2), event)
    positions = queries.waitlist_positions(db.session, [member.id, ambassador.id])
    assert positions == {ambassador.id: 1, member.id: 2}


def test_waitlist_is_first_come_without_priority(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    rsvp_as(make_owner(), event)
    member = rsvp_as(make_owner(), event)
    ambassador = rsvp_as(make_owner(tier_level=3), event)
    positions = queries.waitlist_positions(db.session, [member.id, ambassador.id])
    assert positions == {member.id: 1, ambassador.id: 2}


def test_more_guests_than_seats_left_is_refused_with_the_number(make_event, make_owner, rsvp_as):
    event = make_event(capacity=3, guests_allowed=5)
    rsvp_as(make_owner(), event)
    mine = rsvp_as(make_owner(), event)
    with pytest.raises(ServiceError, match="only 1 more seat free"):
        rsvps.change_guests(
            db.session, rsvp=mine, guests=2, now=clock.now(), secret_key="k", event_url="/e"
        )
    db.session.rollback()
    db.session.refresh(event)
    assert event.seats_taken == 2


def test_raising_capacity_promotes_at_once(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    rsvp_as(make_owner(), event)
    waiting = [rsvp_as(make_owner(), event) for _ in range(3)]
    ids = services.set_capacity(
        db.session, event, 3, now=clock.now(), secret_key="k", event_url="/e"
    )
    db.session.commit()
    assert len(ids) == 2
    statuses = [db.session.get(Rsvp, rsvp.id).status for rsvp in waiting]
    assert statuses == [RsvpStatus.CONFIRMED, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]


def test_lowering_capacity_below_confirmed_seats_is_refused(make_event, make_owner, rsvp_as):
    event = make_event(capacity=5, guests_allowed=2)
    rsvp_as(make_owner(), event, guests=2)
    with pytest.raises(ServiceError, match="3 seats are already confirmed") as refused:
        services.set_capacity(db.session, event, 2, now=clock.now(), secret_key="k", event_url="/")
    assert refused.value.field == "capacity"
    db.session.rollback()
    services.set_capacity(db.session, event, 3, now=clock.now(), secret_key="k", event_url="/")
    db.session.commit()
    assert db.session.get(Event, event.id).capacity == 3


def test_ambassador_only_event_refuses_members(make_event, make_owner, rsvp_as):
    event = make_event(audience=Audience.AMBASSADORS)
    with pytest.raises(ServiceError, match="not open to you"):
        rsvp_as(make_owner(), event)
    assert rsvp_as(make_owner(tier_level=2), event).status == RsvpStatus.CONFIRMED


def test_ambassadors_rsvp_early_others_wait_for_opening(make_event, make_owner, rsvp_as):
    opens = clock.now() + timedelta(days=2)
    event = make_event(rsvp_opens_at=opens, early_access_days=3)
    with pytest.raises(ServiceError, match="RSVPs open on"):
        rsvp_as(make_owner(), event)
    assert rsvp_as(make_owner(tier_level=2), event).status == RsvpStatus.CONFIRMED


def test_rsvps_close_at_the_closing_time(make_event, make_owner, rsvp_as):
    event = make_event(rsvp_closes_at=clock.now() + timedelta(hours=1))
    owner = make_owner()
    later = clock.now() + timedelta(hours=2)
    with clock.frozen(later), pytest.raises(ServiceError, match="closed"):
        rsvp_as(owner, event)


def test_cancelling_event_notifies_everyone_who_rsvped(make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    rsvp_as(make_owner(), event)
    rsvp_as(make_owner(), event)
    before = event.sequence
    ids = services.cancel_event(
        db.session, event, "The hall flooded.", now=clock.now(), tz=TZ, event_url="/events"
    )
    db.session.commit()
    assert len(ids) == 2
    bodies = [db.session.get(Notification, i).body for i in ids]
    assert all("The hall flooded." in body for body in bodies)
    assert db.session.get(Event, event.id).sequence == before + 1


def test_editing_an_event_bumps_sequence_and_tells_owners_of_a_move(
    make_event, make_owner, rsvp_as
):
    event = make_event()
    rsvp_as(make_owner(), event)
    before = event.sequence
    details = services.EventDetails(
        **{name: getattr(event, name) for name in services.EDITABLE}, capacity=event.capacity
    )
    details.starts_at += timedelta(hours=1)
    details.ends_at += timedelta(hours=1)
    ids = services.update_event(
        db.session, event, details, now=clock.now(), tz=TZ, secret_key="k", event_url="/e"
    )
    db.session.commit()
    assert len(ids) == 1
    assert db.session.get(Event, event.id).sequence == before + 1


def test_invitations_go_to_owners_whose_car_matches(make_event, make_owner, make_vehicle):
    event = make_event(target_make="mazda", target_model="MX-5", target_year_from=2016)
    suited = make_owner()
    make_vehicle(suited, make="Mazda", model="MX-5", year=2019)
    old_car = make_owner()
    make_vehicle(old_car, make="Mazda", model="MX-5", year=2010)
    sold = make_owner()
    make_vehicle(sold, make="Mazda", model="MX-5", year=2020, retired_at=clock.now())
    preview = invitations.preview_invitations(db.session, event, tz=TZ, event_url="/e")
    assert preview.owner_ids == [suited.id]
    everyone = {suited.id, old_car.id, sold.id}
    outcome = invitations.invite_owners(
        db.session, event, owner_ids=everyone, now=clock.now(), tz=TZ, event_url="/e"
    )
    db.session.commit()
    assert [db.session.get(Notification, i).user_id for i in outcome.notification_ids] == [
        suited.id
    ]
    with pytest.raises(ServiceError, match="nothing was sent"):
        invitations.invite_owners(
            db.session, event, owner_ids=everyone, now=clock.now(), tz=TZ, event_url="/e"
        )


def test_a_waitlisted_visitor_promoted_is_emailed_not_notified(
    app, make_event, make_owner, rsvp_as, outbox
):
    event = make_event(capacity=1, audience=Audience.PUBLIC)
    holder = rsvp_as(make_owner(), event)
    request = {"e": event.id, "n": "Sam Rivera", "m": "sam@example.org", "g": 0}
    visitor = guests.confirm_guest_rsvp(
        db.session, event=event, request=request, now=clock.now(), secret_key="k"
    ).rsvp
    db.session.commit()
    assert visitor.status == RsvpStatus.WAITLISTED
    sent_before = len(outbox())
    outcome = _cancel(app, holder)
    assert outcome.notification_ids == []  # a visitor has no inbox
    promoted = db.session.get(Rsvp, visitor.id)
    assert promoted.status == RsvpStatus.CONFIRMED and promoted.ticket_hash
    [mail] = outbox()[sent_before:]
    assert mail["To"] == "sam@example.org"
    assert mail["Subject"] == f"A seat opened up for you: {event.title}"
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("Hello Sam,")
    cancel_token = next(word for word in text.split() if "/visit/cancel/" in word).rsplit("/", 1)[1]
    assert guests.rsvp_from_cancel_token(db.session, cancel_token).id == visitor.id
    assert any(part.get_content_type() == "text/calendar" for part in mail.iter_attachments())


def test_a_cancelled_rsvp_remembers_what_it_was(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=1)
    seated = rsvp_as(make_owner(), event)
    waiting = rsvp_as(make_owner(), event)
    assert _cancel(app, waiting).rsvp.cancelled_from == RsvpStatus.WAITLISTED
    assert _cancel(app, seated).rsvp.cancelled_from == RsvpStatus.CONFIRMED


def test_a_reward_seat_is_not_cancelled_by_its_owner(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=2)
    rsvp = rsvp_as(make_owner(), event)
    rsvp.via_reward = True
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        _cancel(app, rsvp)
    assert refused.value.message == rsvps.REWARD_SEAT_CANCEL
    db.session.rollback()
    assert db.session.get(Rsvp, rsvp.id).status == RsvpStatus.CONFIRMED


def test_a_seat_returns_its_confirmation_to_dispatch_and_the_waitlist_none(
    app, make_event, make_owner
):
    event = make_event(capacity=1)
    earlier = clock.now() - timedelta(hours=1)

    def place(owner):
        outcome = rsvps.place_rsvp(
            db.session,
            event=event,
            user=owner,
            guests=0,
            now=earlier,
            tz=TZ,
            secret_key="k",
            event_url=f"/events/{event.id}",
        )
        db.session.commit()
        return outcome

    seated_owner = make_owner()
    seated = place(seated_owner)
    [message] = db.session.scalars(select(Notification)).all()
    assert seated.notification_ids == [message.id]
    assert message.user_id == seated_owner.id and message.action_path == f"/events/{event.id}"
    assert message.created_at.replace(tzinfo=None) == earlier.replace(tzinfo=None)
    assert place(make_owner()).notification_ids == []


def test_coming_back_after_cancelling_clears_the_cancellation(app, make_event, make_owner, rsvp_as):
    event = make_event(capacity=2)
    owner = make_owner()
    _cancel(app, rsvp_as(owner, event))
    again = rsvp_as(owner, event)
    assert again.status == RsvpStatus.CONFIRMED
    assert (again.cancelled_at, again.cancelled_from) == (None, None)
