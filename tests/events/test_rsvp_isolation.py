"""RSVP changes touch only their own row and event; the paths other tests never take.

Every statement that changes rows by a condition (seat counts, check-in, promotion, the
owner's own row) runs here next to a second event or owner that must not change.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.services import checkin, planning, rsvps
from portal.events.tokens import TICKET, derive_token
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.security import hash_token
from tests import factories
from tests.factories import TZ

SECRET = "test-secret"


def fresh(row):
    """The row as the database has it now."""
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def opens_at_the_door(rsvp) -> bool:
    """The stored ticket hash is the one a scanned ticket code for this RSVP matches."""
    row = fresh(rsvp)
    return row.ticket_hash == hash_token(derive_token(SECRET, TICKET, row.ticket_nonce))


def seats_taken(event) -> int:
    return fresh(event).seats_taken


def confirmed_seats(event) -> int:
    rows = db.session.scalars(
        select(Rsvp).where(
            Rsvp.event_id == event.id,
            Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED]),
        )
    )
    return sum(1 + row.guests for row in rows)


def cancel(rsvp, now=None):
    outcome = rsvps.cancel_rsvp(
        db.session, rsvp=rsvp, now=now or clock.now(), secret_key=SECRET, event_url="/e/1"
    )
    db.session.commit()
    return outcome


def change(rsvp, guests, now=None):
    outcome = rsvps.change_guests(
        db.session,
        rsvp=rsvp,
        guests=guests,
        now=now or clock.now(),
        secret_key=SECRET,
        event_url="/e/1",
    )
    db.session.commit()
    return outcome


def check_in(rsvp_id: int) -> tuple[bool, Rsvp]:
    """The door's check-in at the event's start, by a coordinator: (first time?, the RSVP).
    A refusal changes nothing and reads as (False, the RSVP as it stands)."""
    staff = db.session.scalar(select(User).where(User.email == "door@example.com"))
    staff = staff or factories.coordinator(email="door@example.com")
    starts_at = db.session.get(Rsvp, rsvp_id).event.starts_at
    try:
        outcome = checkin.check_in(db.session, rsvp_id=rsvp_id, staff_id=staff.id, now=starts_at)
    except ServiceError:
        return False, db.session.get(Rsvp, rsvp_id)
    return outcome.first_time, outcome.rsvp


def place(event, owner, guests=0, now=None):
    outcome = rsvps.place_rsvp(
        db.session,
        event=event,
        user=owner,
        guests=guests,
        now=now or clock.now(),
        tz=TZ,
        secret_key=SECRET,
        event_url=f"/events/{event.id}",
    )
    db.session.commit()
    return outcome


# --- Seat counts ----------------------------------------------------------------------------


def test_take_seats_fills_to_capacity_exactly_and_only_on_its_event(make_event):
    event = make_event(capacity=3)
    other = make_event("Spring launch", capacity=3)
    assert rsvps.take_seats(db.session, event.id, 3) is True
    assert rsvps.take_seats(db.session, event.id, 1) is False
    db.session.commit()
    assert (seats_taken(event), seats_taken(other)) == (3, 0)
    rsvps.release_seats(db.session, event.id, 2)
    db.session.commit()
    assert (seats_taken(event), seats_taken(other)) == (1, 0)


def test_an_rsvp_with_guests_takes_its_seats_on_its_own_event_only(make_event, make_owner):
    event = make_event(capacity=4, guests_allowed=2)
    other = make_event("Spring launch", capacity=4, guests_allowed=2)
    outcome = place(event, make_owner(), guests=2)
    assert outcome.rsvp.status == RsvpStatus.CONFIRMED
    assert (seats_taken(event), seats_taken(other)) == (3, 0)
    assert seats_taken(event) == confirmed_seats(event)


def test_a_party_that_fits_the_last_seats_exactly_is_confirmed(make_event, make_owner):
    event = make_event(capacity=3, guests_allowed=2)
    place(event, make_owner())
    now = clock.now()
    seated = place(event, make_owner(), guests=1, now=now)
    party = seated.rsvp
    assert seated.message == "You're in. Your ticket is ready under My events."
    assert party.status == RsvpStatus.CONFIRMED and seats_taken(event) == 3
    stamps = (fresh(party).created_at, fresh(party).confirmed_at)
    assert {stamp.replace(tzinfo=None) for stamp in stamps} == {now.replace(tzinfo=None)}
    waiting = place(event, make_owner())
    late = waiting.rsvp
    assert waiting.message.startswith("The event is full, so you're on the waitlist.")
    assert late.status == RsvpStatus.WAITLISTED
    assert late.waitlisted_at is not None and late.confirmed_at is None


# --- Check-in -------------------------------------------------------------------------------


def test_check_in_marks_only_that_rsvp(make_event, make_owner):
    event = make_event()
    other_event = make_event("Spring launch")
    arriving, staying_home = make_owner(), make_owner()
    mine = place(event, arriving).rsvp
    neighbour = place(event, staying_home).rsvp
    elsewhere = place(other_event, arriving).rsvp
    loaded = db.session.get(Rsvp, mine.id)
    assert loaded.status == RsvpStatus.CONFIRMED  # in the session, as at the door's scanner
    first, checked = check_in(mine.id)
    assert checked is loaded and checked.status == RsvpStatus.ATTENDED  # read again
    db.session.commit()
    assert first is True and checked.id == mine.id
    assert checked.status == RsvpStatus.ATTENDED and checked.checked_in_at is not None
    assert fresh(neighbour).status == RsvpStatus.CONFIRMED
    assert fresh(neighbour).checked_in_at is None
    assert fresh(elsewhere).status == RsvpStatus.CONFIRMED
    assert points_balance(db.session, arriving.id) == 50
    assert points_balance(db.session, staying_home.id) == 0


def test_check_in_refuses_waitlisted_and_unpublished_or_cancelled_events(make_event, make_owner):
    full = make_event(capacity=1)
    place(full, make_owner())
    waiting = place(full, make_owner()).rsvp
    called_off = make_event("Called off")
    booked = place(called_off, make_owner()).rsvp
    planning.cancel_event(db.session, called_off, "", now=clock.now(), tz=TZ, event_url="/e")
    db.session.commit()
    for rsvp, expected in ((waiting, RsvpStatus.WAITLISTED), (booked, RsvpStatus.CONFIRMED)):
        done, row = check_in(rsvp.id)
        db.session.commit()
        assert done is False and row.status == expected and row.checked_in_at is None
    assert db.session.scalars(select(PointsEntry)).all() == []


def test_attendance_points_once_per_event_and_none_when_set_to_zero(make_event, make_owner):
    owner = make_owner()
    for title in ("Winter clinic", "Spring launch"):
        rsvp = place(make_event(title), owner).rsvp
        check_in(rsvp.id)
    db.session.commit()
    assert points_balance(db.session, owner.id) == 100
    keys = set(db.session.scalars(select(PointsEntry.idempotency_key)))
    assert len(keys) == 2
    write_settings(db.session, {"referrals.points_event_attendance": 0})
    db.session.commit()
    unpaid = place(make_event("Summer meet"), owner).rsvp
    assert check_in(unpaid.id)[0] is True
    db.session.commit()
    assert points_balance(db.session, owner.id) == 100
    assert len(db.session.scalars(select(PointsEntry)).all()) == 2  # no zero-point entry
    write_settings(db.session, {"referrals.points_event_attendance": 1})
    db.session.commit()
    token = place(make_event("Autumn drive"), owner).rsvp
    check_in(token.id)
    db.session.commit()
    assert points_balance(db.session, owner.id) == 101


# --- Cancelling -----------------------------------------------------------------------------


def test_cancelling_frees_seats_on_its_own_event_only(make_event, make_owner):
    event = make_event(capacity=5, guests_allowed=2)
    other = make_event("Spring launch", capacity=5, guests_allowed=2)
    owner = make_owner()
    mine = place(event, owner, guests=2).rsvp
    place(event, make_owner())
    place(other, owner, guests=1)
    now = clock.now()
    outcome = cancel(mine, now)
    assert outcome.notification_ids == [] and outcome.rsvp.id == mine.id
    assert outcome.message == "Your RSVP is cancelled. Thanks for letting us know."
    row = fresh(mine)
    assert row.status == RsvpStatus.CANCELLED and row.cancelled_at is not None
    assert (seats_taken(event), seats_taken(other)) == (1, 2)
    assert seats_taken(event) == confirmed_seats(event)


def test_leaving_the_waitlist_frees_no_seat_and_promotes_nobody(make_event, make_owner):
    event = make_event(capacity=1)
    holder = place(event, make_owner()).rsvp
    first = place(event, make_owner()).rsvp
    second = place(event, make_owner()).rsvp
    outcome = cancel(first)
    assert outcome.notification_ids == []
    assert seats_taken(event) == 1
    assert fresh(first).status == RsvpStatus.CANCELLED
    assert fresh(holder).status == RsvpStatus.CONFIRMED
    assert fresh(second).status == RsvpStatus.WAITLISTED


def test_cancelling_twice_changes_nothing_the_second_time(make_event, make_owner):
    event = make_event(capacity=2)
    mine = place(event, make_owner()).rsvp
    cancel(mine)
    cancelled_at = fresh(mine).cancelled_at
    again = cancel(mine, clock.now() + timedelta(hours=1))
    assert again.rsvp.status == RsvpStatus.CANCELLED and again.notification_ids == []
    assert again.message == "Your RSVP was already cancelled."
    assert fresh(mine).cancelled_at == cancelled_at
    assert seats_taken(event) == 0


def test_an_attended_rsvp_cannot_be_cancelled(make_event, make_owner):
    event = make_event(capacity=2)
    mine = place(event, make_owner()).rsvp
    check_in(mine.id)
    db.session.commit()
    with pytest.raises(ServiceError, match="checked in"):
        cancel(mine)
    db.session.rollback()
    assert fresh(mine).status == RsvpStatus.ATTENDED and seats_taken(event) == 1


# --- Promotion ------------------------------------------------------------------------------


def test_promotion_of_a_party_with_guests_takes_all_its_seats(make_event, make_owner):
    event = make_event(capacity=3, guests_allowed=2)
    holder = place(event, make_owner(), guests=2).rsvp
    party = place(event, make_owner(name="Grace Whitfield"), guests=2).rsvp
    single = place(event, make_owner()).rsvp
    assert (party.status, single.status) == (RsvpStatus.WAITLISTED, RsvpStatus.WAITLISTED)
    now = clock.now()
    outcome = cancel(holder, now)
    # The party needs exactly the three seats freed: it goes first, and the single waits.
    assert party.status == RsvpStatus.CONFIRMED  # the loaded object was refreshed
    assert opens_at_the_door(party) and fresh(party).confirmed_at is not None
    assert fresh(single).status == RsvpStatus.WAITLISTED
    assert seats_taken(event) == 3 == confirmed_seats(event)
    [message] = [db.session.get(Notification, i) for i in outcome.notification_ids]
    assert (message.user_id, message.kind) == (party.user_id, "event_promoted")
    assert message.key == f"event:{event.id}:promoted:{party.id}:{fresh(party).ticket_nonce[:12]}"
    assert (message.action_path, message.action_label) == ("/e/1", "See your ticket")
    assert message.created_at.replace(tzinfo=None) == now.replace(tzinfo=None)


def test_one_cancellation_can_promote_several_in_waitlist_order(make_event, make_owner):
    event = make_event(capacity=3, guests_allowed=2)
    holder = place(event, make_owner(), guests=2).rsvp
    waiting = [place(event, make_owner()).rsvp for _ in range(4)]
    outcome = cancel(holder)
    statuses = [fresh(rsvp).status for rsvp in waiting]
    assert statuses == [RsvpStatus.CONFIRMED] * 3 + [RsvpStatus.WAITLISTED]
    notified = [db.session.get(Notification, i).user_id for i in outcome.notification_ids]
    assert notified == [rsvp.user_id for rsvp in waiting[:3]]
    assert seats_taken(event) == 3 == confirmed_seats(event)


def test_promotion_stays_on_its_event_and_skips_cancelled_rows(make_event, make_owner, add_rsvp):
    event = make_event(capacity=1)
    other = make_event("Spring launch", capacity=5)
    # Waiting longest, but for another event (which has seats: its own promotion is not ours).
    stranger = add_rsvp(other, make_owner())
    holder = place(event, make_owner()).rsvp
    gave_up = place(event, make_owner()).rsvp
    cancel(gave_up)
    next_in_line = place(event, make_owner()).rsvp
    outcome = cancel(holder)
    assert len(outcome.notification_ids) == 1
    assert fresh(next_in_line).status == RsvpStatus.CONFIRMED
    assert fresh(gave_up).status == RsvpStatus.CANCELLED
    assert fresh(stranger).status == RsvpStatus.WAITLISTED
    assert (seats_taken(event), seats_taken(other)) == (1, 0)


def test_a_freed_seat_goes_to_the_ambassador_first_when_the_event_says_so(make_event, make_owner):
    event = make_event(capacity=1, ambassador_priority=True)
    holder = place(event, make_owner()).rsvp
    member = place(event, make_owner()).rsvp
    ambassador = place(event, make_owner(tier_level=2)).rsvp
    cancel(holder)
    assert fresh(ambassador).status == RsvpStatus.CONFIRMED
    assert fresh(member).status == RsvpStatus.WAITLISTED


def test_a_promotion_lost_to_another_request_gives_its_seats_back(
    make_event, make_owner, monkeypatch
):
    # Between taking the seats for the first waiting party and confirming it, another
    # request changes that party (here: a guest fewer). Its UPDATE then matches no row, so
    # the seats go back and the next party in line is promoted instead.
    event = make_event(capacity=3, guests_allowed=2)
    holder = place(event, make_owner(), guests=2).rsvp
    moved = place(event, make_owner(), guests=1).rsvp
    next_in_line = place(event, make_owner(), guests=2).rsvp
    issue_ticket = rsvps._issue_ticket
    interfered = []

    def ticket_after_a_concurrent_change(secret_key):
        if not interfered:
            interfered.append(True)
            db.session.execute(Rsvp.__table__.update().where(Rsvp.id == moved.id).values(guests=0))
        return issue_ticket(secret_key)

    monkeypatch.setattr(rsvps, "_issue_ticket", ticket_after_a_concurrent_change)
    outcome = cancel(holder)
    assert interfered
    assert fresh(moved).status == RsvpStatus.WAITLISTED
    assert fresh(next_in_line).status == RsvpStatus.CONFIRMED
    assert [db.session.get(Notification, i).user_id for i in outcome.notification_ids] == [
        next_in_line.user_id
    ]
    assert seats_taken(event) == 3 == confirmed_seats(event)


def test_a_promotion_lost_to_a_cancellation_leaves_it_cancelled(
    make_event, make_owner, monkeypatch
):
    # The first waiting owner cancels between the seat count and their promotion: their
    # row stays cancelled, the seats go back and the next owner in line gets them.
    event = make_event(capacity=1)
    holder = place(event, make_owner()).rsvp
    gone = place(event, make_owner()).rsvp
    next_in_line = place(event, make_owner()).rsvp
    issue_ticket = rsvps._issue_ticket
    interfered = []

    def ticket_after_a_concurrent_cancel(secret_key):
        if not interfered:
            interfered.append(True)
            db.session.execute(
                Rsvp.__table__.update()
                .where(Rsvp.id == gone.id)
                .values(status=RsvpStatus.CANCELLED)
            )
        return issue_ticket(secret_key)

    monkeypatch.setattr(rsvps, "_issue_ticket", ticket_after_a_concurrent_cancel)
    cancel(holder)
    assert interfered
    assert fresh(gone).status == RsvpStatus.CANCELLED
    assert fresh(next_in_line).status == RsvpStatus.CONFIRMED
    assert seats_taken(event) == 1 == confirmed_seats(event)


def test_seats_taken_by_another_request_first_pass_to_a_smaller_party(
    make_event, make_owner, monkeypatch
):
    # Another request takes a seat between the free-seat count and the first party's
    # attempt: that party no longer fits, and the promotion goes on to the next one.
    event = make_event(capacity=3, guests_allowed=2)
    holder = place(event, make_owner(), guests=2).rsvp
    party = place(event, make_owner(), guests=2).rsvp
    single = place(event, make_owner()).rsvp
    take_seats = rsvps.take_seats
    interfered = []

    def seats_after_another_request(session, event_id, seats):
        if not interfered:
            interfered.append(take_seats(session, event_id, 1))
        return take_seats(session, event_id, seats)

    monkeypatch.setattr(rsvps, "take_seats", seats_after_another_request)
    cancel(holder)
    assert interfered == [True]
    assert fresh(party).status == RsvpStatus.WAITLISTED
    assert fresh(single).status == RsvpStatus.CONFIRMED
    assert seats_taken(event) == 2  # the single, and the other request's seat


def test_promote_waitlist_with_no_free_seat_changes_nothing(make_event, make_owner):
    event = make_event(capacity=1)
    place(event, make_owner())
    waiting = place(event, make_owner()).rsvp
    ids = rsvps.promote_waitlist(
        db.session, event=fresh(event), now=clock.now(), secret_key=SECRET, event_url="/e"
    )
    db.session.commit()
    assert ids == [] and fresh(waiting).status == RsvpStatus.WAITLISTED


# --- Guests ---------------------------------------------------------------------------------


def test_one_more_guest_takes_one_more_seat(make_event, make_owner):
    event = make_event(capacity=4, guests_allowed=2)
    other = make_event("Spring launch", capacity=4, guests_allowed=2)
    mine = place(event, make_owner()).rsvp
    outcome = change(mine, 1)
    assert outcome.message == "Done: you're bringing 1 guest." and outcome.rsvp.id == mine.id
    assert outcome.notification_ids == []
    assert fresh(mine).guests == 1
    assert (seats_taken(event), seats_taken(other)) == (2, 0)
    assert change(mine, 2).message == "Done: you're bringing 2 guests."
    assert seats_taken(event) == 3 == confirmed_seats(event)


def test_no_change_in_guests_is_nothing_changed(make_event, make_owner):
    event = make_event(capacity=4, guests_allowed=2)
    mine = place(event, make_owner(), guests=1).rsvp
    outcome = change(mine, 1)
    assert outcome.message == "Nothing changed."
    assert outcome.rsvp.id == mine.id and outcome.notification_ids == []
    assert seats_taken(event) == 2


def test_a_guest_fewer_frees_a_seat_for_the_waitlist(make_event, make_owner):
    event = make_event(capacity=2, guests_allowed=2)
    mine = place(event, make_owner(), guests=1).rsvp
    waiting = place(event, make_owner()).rsvp
    now = clock.now()
    outcome = change(mine, 0, now=now)
    assert outcome.rsvp.id == mine.id
    [message] = [db.session.get(Notification, i) for i in outcome.notification_ids]
    assert (message.user_id, message.action_path) == (waiting.user_id, "/e/1")
    assert message.created_at.replace(tzinfo=None) == now.replace(tzinfo=None)
    assert fresh(waiting).status == RsvpStatus.CONFIRMED
    assert fresh(waiting).confirmed_at.replace(tzinfo=None) == now.replace(tzinfo=None)
    assert seats_taken(event) == 2 == confirmed_seats(event)


def test_a_waitlisted_party_changes_guests_without_touching_seats(make_event, make_owner):
    event = make_event(capacity=2, guests_allowed=2)
    place(event, make_owner(), guests=1)
    party = place(event, make_owner(), guests=1).rsvp
    assert party.status == RsvpStatus.WAITLISTED
    change(party, 2)
    assert (fresh(party).guests, seats_taken(event)) == (2, 2)
    change(party, 1)
    assert fresh(party).status == RsvpStatus.WAITLISTED
    assert (fresh(party).guests, seats_taken(event)) == (1, 2)


def test_more_guests_than_seats_is_refused_with_what_is_possible(make_event, make_owner):
    event = make_event(capacity=4, guests_allowed=5)
    mine = place(event, make_owner()).rsvp
    with pytest.raises(ServiceError) as refused:
        change(mine, 4)
    assert refused.value.field == "guests"
    assert "There are only 3 more seats free" in str(refused.value)
    assert "up to 3 guests" in str(refused.value)
    db.session.rollback()
    assert (fresh(mine).guests, seats_taken(event)) == (0, 1)
    place(event, make_owner(), guests=1)
    with pytest.raises(
        ServiceError, match="There is only 1 more seat free, so you can bring up to 1 "
    ):
        change(mine, 2)
    db.session.rollback()
    assert (fresh(mine).guests, seats_taken(event)) == (0, 3)


@pytest.mark.parametrize("guests", [-1, 3])
def test_guests_outside_the_allowance_are_refused(make_event, make_owner, guests):
    event = make_event(capacity=10, guests_allowed=2)
    mine = place(event, make_owner()).rsvp
    with pytest.raises(ServiceError, match="up to 2 guests") as refused:
        change(mine, guests)
    assert refused.value.field == "guests"
    db.session.rollback()
    with pytest.raises(ServiceError, match="up to 2 guests"):
        place(event, make_owner(), guests=guests)


def test_an_owners_only_event_refuses_any_guest(make_event, make_owner):
    event = make_event(capacity=10, guests_allowed=0)
    with pytest.raises(ServiceError, match="owners only") as refused:
        place(event, make_owner(), guests=1)
    assert refused.value.field == "guests"


def test_guest_changes_are_refused_once_the_event_starts_or_is_cancelled(make_event, make_owner):
    event = make_event(capacity=10, guests_allowed=2)
    mine = place(event, make_owner()).rsvp
    starts_at = fresh(event).starts_at
    for now in (starts_at, starts_at + timedelta(hours=1)):
        with pytest.raises(ServiceError, match="no longer takes changes") as refused:
            change(mine, 1, now=now)
        assert refused.value.field == "guests"
        db.session.rollback()
    change(mine, 1, now=starts_at - timedelta(minutes=1))
    assert fresh(mine).guests == 1
    planning.cancel_event(db.session, fresh(event), "", now=clock.now(), tz=TZ, event_url="/e")
    db.session.commit()
    with pytest.raises(ServiceError, match="no longer takes changes"):
        change(mine, 2)
    db.session.rollback()
    assert fresh(mine).guests == 1


def test_only_an_active_rsvp_changes_its_guests(make_event, make_owner):
    event = make_event(capacity=10, guests_allowed=2)
    cancelled = place(event, make_owner()).rsvp
    cancel(cancelled)
    attended = place(event, make_owner()).rsvp
    check_in(attended.id)
    db.session.commit()
    for rsvp in (cancelled, attended):
        with pytest.raises(ServiceError, match="Only an active RSVP") as refused:
            change(rsvp, 1)
        assert refused.value.field == "guests"
        db.session.rollback()
    assert seats_taken(event) == 1


# --- Placing --------------------------------------------------------------------------------


def test_rsvp_is_refused_for_started_or_cancelled_events(make_event, make_owner):
    started = make_event("Started", days=1)
    with pytest.raises(ServiceError, match="closed"):
        place(started, make_owner(), now=fresh(started).starts_at)
    db.session.rollback()
    called_off = make_event("Called off")
    planning.cancel_event(db.session, called_off, "", now=clock.now(), tz=TZ, event_url="/e")
    db.session.commit()
    with pytest.raises(ServiceError, match="cancelled"):
        place(fresh(called_off), make_owner())
    db.session.rollback()
    assert db.session.scalars(select(Rsvp)).all() == []
    assert seats_taken(started) == seats_taken(called_off) == 0


def test_rsvping_again_finds_the_owners_own_row_for_that_event(make_event, make_owner):
    event = make_event(capacity=5)
    other = make_event("Spring launch", capacity=5)
    owner = make_owner()
    place(event, make_owner())  # someone else's row comes first in this event
    elsewhere = place(other, owner).rsvp
    mine = place(event, owner).rsvp
    again = place(event, owner)
    assert again.rsvp.id == mine.id != elsewhere.id
    assert again.message == "You already have a seat at this event."
    assert seats_taken(event) == 2


def test_rsvping_again_after_cancelling_reuses_the_row_with_a_new_ticket(make_event, make_owner):
    event = make_event(capacity=5, guests_allowed=2)
    owner = make_owner()
    first = place(event, owner, guests=2).rsvp
    old_nonce = fresh(first).ticket_nonce
    cancel(first)
    later = clock.now() + timedelta(minutes=5)
    again = place(event, owner, guests=1, now=later).rsvp
    row = fresh(again)
    assert row.id == first.id and row.status == RsvpStatus.CONFIRMED
    assert (row.guests, row.cancelled_at, row.checked_in_at) == (1, None, None)
    assert row.ticket_nonce and row.ticket_nonce != old_nonce and opens_at_the_door(row)
    assert row.confirmed_at.replace(tzinfo=None) == later.replace(tzinfo=None)
    assert seats_taken(event) == 2 == confirmed_seats(event)


def test_already_messages_say_where_the_owner_stands(make_event, make_owner):
    event = make_event(capacity=1)
    seated, waiting = make_owner(), make_owner()
    rsvp = place(event, seated).rsvp
    place(event, waiting)
    assert place(event, waiting).message == "You're already on the waitlist for this event."
    check_in(rsvp.id)
    db.session.commit()
    assert place(event, seated).message == "You've already checked in at this event."
    assert fresh(event).status == EventStatus.PUBLISHED
    assert db.session.get(Event, event.id).seats_taken == 1
