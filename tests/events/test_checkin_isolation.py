"""Check-in's conditional UPDATEs decide by themselves, and touch only their own RSVP.

The service reads the RSVP, checks it in Python, then writes with a conditional UPDATE. Here
another phone changes the row in between (injected while the service reads the door's
settings, after its own read), so only the UPDATE's conditions stand between the stale read
and a wrong check-in or undo. Each test keeps a second RSVP, on the same event and on
another event, that must not change.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.errors import ServiceError
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.rules import check_in_closes_at
from portal.events.services import checkin
from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from tests.factories import TZ


@pytest.fixture
def door(make_event, make_owner, make_coordinator, rsvp_as):
    """Priya (two guests) and Leo booked for tonight's event; Mia for another; Dana at the door."""
    event = make_event(guests_allowed=2)
    elsewhere = make_event("Spring launch")
    priya, leo, mia = (make_owner(name=name) for name in ("Priya Patel", "Leo Park", "Mia Chen"))
    rows = {
        "priya": rsvp_as(priya, event, guests=2),
        "leo": rsvp_as(leo, event),
        "mia": rsvp_as(mia, elsewhere),
    }
    db.session.commit()
    return {"event": event, "elsewhere": elsewhere, "dana": make_coordinator(), **rows}


def _row(rsvp) -> Rsvp:
    db.session.expire_all()
    return db.session.get(Rsvp, rsvp.id)


def _check_in(door, rsvp, **kwargs):
    return checkin.check_in(
        db.session,
        rsvp_id=rsvp.id,
        staff_id=door["dana"].id,
        now=door["event"].starts_at,
        **kwargs,
    )


def _undo(door, rsvp, now=None):
    return checkin.undo_check_in(db.session, rsvp_id=rsvp.id, now=now or door["event"].starts_at)


def _meanwhile(monkeypatch, change):
    """Run `change` (another phone's write) after the service has read the RSVP."""
    settings = checkin._door_settings

    def read_settings_after_the_change(session):
        session.execute(change.execution_options(synchronize_session=False))
        return settings(session)

    monkeypatch.setattr(checkin, "_door_settings", read_settings_after_the_change)


def _untouched(door, *names):
    for name in names:
        row = _row(door[name])
        assert row.status == RsvpStatus.CONFIRMED, name
        assert (row.checked_in_at, row.arrived_guests, row.check_ins) == (None, None, 0), name


def _ledger_keys() -> list[str]:
    return list(db.session.scalars(select(PointsEntry.idempotency_key).order_by(PointsEntry.id)))


def test_a_check_in_changes_only_that_rsvp_and_counts_one_check_in(door):
    outcome = _check_in(door, door["priya"])
    db.session.commit()
    assert outcome.first_time is True
    row = _row(door["priya"])
    assert (row.status, row.arrived_guests, row.check_ins) == (RsvpStatus.ATTENDED, 2, 1)
    assert row.checked_in_by_id == door["dana"].id
    _untouched(door, "leo", "mia")


def test_an_rsvp_cancelled_after_the_read_is_not_checked_in(door, monkeypatch):
    priya = door["priya"]
    _meanwhile(
        monkeypatch,
        update(Rsvp).where(Rsvp.id == priya.id).values(status=RsvpStatus.CANCELLED),
    )
    with pytest.raises(ServiceError) as refusal:
        _check_in(door, priya)
    assert refusal.value.message == (
        "Priya Patel's RSVP is cancelled, so there's no seat to check in."
    )
    db.session.commit()
    row = _row(priya)
    assert row.status == RsvpStatus.CANCELLED and row.checked_in_at is None
    assert _ledger_keys() == []
    _untouched(door, "leo", "mia")


def test_fewer_guests_booked_after_the_read_refuse_the_larger_count(door, monkeypatch):
    priya = door["priya"]
    _meanwhile(monkeypatch, update(Rsvp).where(Rsvp.id == priya.id).values(guests=1))
    with pytest.raises(ServiceError):
        _check_in(door, priya, guests=2)
    db.session.commit()
    row = _row(priya)
    assert (row.status, row.guests, row.arrived_guests) == (RsvpStatus.CONFIRMED, 1, None)
    assert _ledger_keys() == []
    _untouched(door, "leo", "mia")


def test_an_event_cancelled_after_the_read_checks_nobody_in(door, monkeypatch):
    event, priya = door["event"], door["priya"]
    assert priya.event.status == EventStatus.PUBLISHED  # loaded: the service reads it stale
    _meanwhile(
        monkeypatch,
        update(Event).where(Event.id == event.id).values(status=EventStatus.CANCELLED),
    )
    with pytest.raises(ServiceError) as refusal:
        _check_in(door, priya)
    # The event is read again too: the team hears of the cancellation, not of the RSVP.
    assert refusal.value.message == f"{event.title} is cancelled, so nobody is checked in."
    db.session.commit()
    assert _row(priya).status == RsvpStatus.CONFIRMED and _ledger_keys() == []
    _untouched(door, "leo", "mia")


def test_each_check_in_after_an_undo_has_its_own_ledger_key_and_the_points_once(door):
    priya, event = door["priya"], door["event"]
    first = f"event:{event.id}:attended:{priya.user_id}"
    for number in (1, 2, 3):
        _check_in(door, priya)
        db.session.commit()
        assert _row(priya).check_ins == number
        assert _ledger_keys()[-1] == (first if number == 1 else f"{first}:{number}")
        if number < 3:
            _undo(door, priya)
            db.session.commit()
    assert _row(priya).status == RsvpStatus.ATTENDED
    assert points_balance(db.session, priya.user_id) == 50
    assert len(_ledger_keys()) == 5  # three awards, two reversals
    _untouched(door, "leo", "mia")


def test_undo_takes_back_only_that_check_in(door):
    for name in ("priya", "leo", "mia"):
        when = door["elsewhere" if name == "mia" else "event"].starts_at
        checkin.check_in(db.session, rsvp_id=door[name].id, staff_id=door["dana"].id, now=when)
    db.session.commit()
    _undo(door, door["priya"])
    db.session.commit()
    assert _row(door["priya"]).status == RsvpStatus.CONFIRMED
    for name in ("leo", "mia"):
        row = _row(door[name])
        assert (row.status, row.check_ins) == (RsvpStatus.ATTENDED, 1), name
        assert row.checked_in_at is not None, name
        assert points_balance(db.session, row.user_id) == 50, name
    assert points_balance(db.session, door["priya"].user_id) == 0


def test_undo_closes_at_midnight_after_the_event_exactly(door):
    priya, event = door["priya"], door["event"]
    _check_in(door, priya)
    db.session.commit()
    closes = check_in_closes_at(event, TZ)
    with pytest.raises(ServiceError) as refusal:
        _undo(door, priya, now=closes)
    assert refusal.value.message == "A check-in can only be undone on the day of the event."
    assert _row(priya).status == RsvpStatus.ATTENDED
    _undo(door, priya, now=closes - timedelta(microseconds=1))
    db.session.commit()
    assert _row(priya).status == RsvpStatus.CONFIRMED


@pytest.mark.parametrize(
    "other_phone",
    [
        pytest.param({"status": RsvpStatus.CONFIRMED}, id="undone-already"),
        pytest.param({"check_ins": 2}, id="undone-and-checked-in-again"),
    ],
)
def test_undo_refuses_when_another_phone_changed_the_check_in_since_the_read(
    door, monkeypatch, other_phone
):
    priya = door["priya"]
    _check_in(door, priya)
    db.session.commit()
    _meanwhile(monkeypatch, update(Rsvp).where(Rsvp.id == priya.id).values(**other_phone))
    with pytest.raises(ServiceError) as refusal:
        _undo(door, priya)
    assert refusal.value.message == (
        "Someone else has just changed Priya Patel's check-in; look again below."
    )
    db.session.rollback()
    assert _row(priya).status == RsvpStatus.ATTENDED
    assert points_balance(db.session, priya.user_id) == 50


def test_a_second_scan_is_not_a_first_check_in(door):
    assert _check_in(door, door["priya"]).first_time is True
    again = _check_in(door, door["priya"])
    assert again.first_time is False and again.rsvp.check_ins == 1
    assert points_balance(db.session, door["priya"].user_id) == 50


def test_a_waitlisted_rsvp_is_refused_with_why(door, make_event, make_owner, rsvp_as):
    full = make_event("Track day", capacity=1)
    rsvp_as(make_owner(), full)
    waiting = rsvp_as(make_owner(name="Noor Haddad"), full)
    db.session.commit()
    assert waiting.status == RsvpStatus.WAITLISTED
    with pytest.raises(ServiceError) as refusal:
        checkin.check_in(
            db.session, rsvp_id=waiting.id, staff_id=door["dana"].id, now=full.starts_at
        )
    assert refusal.value.message == (
        "Noor Haddad's RSVP is waitlisted, so there's no seat to check in."
    )
    assert _row(waiting).status == RsvpStatus.WAITLISTED
    _untouched(door, "priya", "leo", "mia")


def test_when_another_phone_checked_them_in_after_the_read_this_one_reports_it(door, monkeypatch):
    priya, other_phone = door["priya"], door["dana"].id
    _meanwhile(
        monkeypatch,
        update(Rsvp)
        .where(Rsvp.id == priya.id)
        .values(
            status=RsvpStatus.ATTENDED,
            checked_in_at=door["event"].starts_at,
            checked_in_by_id=other_phone,
            arrived_guests=1,
            check_ins=1,
        ),
    )
    outcome = _check_in(door, priya)
    assert outcome.first_time is False
    assert (outcome.rsvp.id, outcome.rsvp.status) == (priya.id, RsvpStatus.ATTENDED)
    assert outcome.rsvp.arrived_guests == 1  # what the other phone recorded
    assert _ledger_keys() == []  # the points were the other phone's to award
    _untouched(door, "leo", "mia")


@pytest.mark.parametrize(
    ("booked", "arrived", "message"),
    [
        (2, 3, "Priya Patel booked for 2 guests; count between 0 and 2."),
        (1, 2, "Priya Patel booked for 1 guest; count between 0 and 1."),
        (1, -1, "Priya Patel booked for 1 guest; count between 0 and 1."),
    ],
)
def test_a_guest_count_outside_the_booking_is_refused_next_to_the_field(
    door, booked, arrived, message
):
    priya = door["priya"]
    db.session.execute(update(Rsvp).where(Rsvp.id == priya.id).values(guests=booked))
    db.session.commit()
    with pytest.raises(ServiceError) as refusal:
        _check_in(door, priya, guests=arrived)
    assert (refusal.value.message, refusal.value.field) == (message, "guests")
    assert _row(priya).status == RsvpStatus.CONFIRMED
