"""Check-in at the door: inside the window, each attendee once, guests counted, undo on the day.

A check-in is one conditional UPDATE (confirmed → attended) whose row count says whether this
request let the attendee in: two phones scanning one ticket at once check them in once, and
only the winner awards the attendance points. Undoing is the reverse UPDATE, guarded by the
number of check-ins so far, and appends a reversing line to the points ledger (a line is
never edited). Each check-in's points have their own key, so checking in again after an
undo awards them again, and the attendee ends up with the points once.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.dealership.queries import dealership_profile, read_settings
from portal.errors import ServiceError
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.rules import check_in_closes_at, check_in_refusal, no_seat_note
from portal.points.rules import POINTS_DEFAULTS
from portal.points.services import award_points, reverse_points

#: The dealership's setting: points for coming to an event.
ATTENDANCE_POINTS = "referrals.points_event_attendance"


@dataclass
class CheckIn:
    """What a check-in did: the RSVP as it is now, and whether this call let them in."""

    rsvp: Rsvp
    #: False: they were in already (the RSVP says when, and who let them in).
    first_time: bool


def _read(session: Session, rsvp_id: int) -> Rsvp:
    """The RSVP as the database holds it now (after a conditional UPDATE, say)."""
    return session.scalars(
        select(Rsvp).where(Rsvp.id == rsvp_id).execution_options(populate_existing=True)
    ).one()


def _door_settings(session: Session) -> tuple[str, int]:
    """(the dealership's time zone, the hours before a start that check-in opens)."""
    profile = dealership_profile(session)
    return profile["timezone"], int(profile["check_in_opens_hours"])


def check_in(
    session: Session, *, rsvp_id: int, staff_id: int, now: datetime, guests: int | None = None
) -> CheckIn:
    """Let a confirmed attendee in with `guests` of the guests they booked (None: all of them).

    Refused (ServiceError) outside the event's check-in window, for an RSVP without a seat,
    or for more guests than were booked. Someone already in is not checked in again: the
    outcome says so, and the RSVP says when and by whom.
    """
    rsvp = _read(session, rsvp_id)
    if rsvp.status == RsvpStatus.ATTENDED:
        return CheckIn(rsvp, first_time=False)
    tz, opens_hours = _door_settings(session)
    refusal = check_in_refusal(rsvp.event, now, tz, opens_hours)
    if refusal:
        raise ServiceError(refusal)
    if rsvp.status != RsvpStatus.CONFIRMED:
        raise ServiceError(no_seat_note(rsvp))
    arrived = rsvp.guests if guests is None else guests
    if not 0 <= arrived <= rsvp.guests:
        booked = f"{rsvp.guests} guest{'' if rsvp.guests == 1 else 's'}"
        raise ServiceError(
            f"{rsvp.person.name} booked for {booked}; count between 0 and {rsvp.guests}.",
            field="guests",
        )
    won = _mark_attended(session, rsvp_id, staff_id, now, arrived)
    rsvp = _read(session, rsvp_id)
    if won:
        _award_attendance_points(session, rsvp, now)
        return CheckIn(rsvp, first_time=True)
    if rsvp.status == RsvpStatus.ATTENDED:  # another phone got there first
        return CheckIn(rsvp, first_time=False)
    session.refresh(rsvp.event)  # the event, too, may have changed since the read
    raise ServiceError(check_in_refusal(rsvp.event, now, tz, opens_hours) or no_seat_note(rsvp))


def _mark_attended(
    session: Session, rsvp_id: int, staff_id: int, now: datetime, arrived: int
) -> bool:
    """Confirmed → attended, in one conditional UPDATE; True when this transaction did it."""
    published = select(Event.id).where(Event.status == EventStatus.PUBLISHED)
    return (
        session.execute(
            update(Rsvp)
            .where(
                Rsvp.id == rsvp_id,
                Rsvp.status == RsvpStatus.CONFIRMED,
                Rsvp.guests >= arrived,
                Rsvp.event_id.in_(published),
            )
            .values(
                status=RsvpStatus.ATTENDED,
                checked_in_at=now,
                checked_in_by_id=staff_id,
                arrived_guests=arrived,
                check_ins=Rsvp.check_ins + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def undo_check_in(session: Session, *, rsvp_id: int, now: datetime) -> Rsvp:
    """Take back a check-in made by mistake, on the event's day: the attendee keeps their seat
    and the attendance points are reversed in the ledger."""
    rsvp = _read(session, rsvp_id)
    if rsvp.status != RsvpStatus.ATTENDED:
        raise ServiceError(f"{rsvp.person.name} is not checked in, so there's nothing to undo.")
    tz, _ = _door_settings(session)
    if now >= check_in_closes_at(rsvp.event, tz):
        raise ServiceError("A check-in can only be undone on the day of the event.")
    check_in_number = rsvp.check_ins
    undone = session.execute(
        update(Rsvp)
        .where(
            Rsvp.id == rsvp_id,
            Rsvp.status == RsvpStatus.ATTENDED,
            Rsvp.check_ins == check_in_number,
        )
        .values(
            status=RsvpStatus.CONFIRMED,
            checked_in_at=None,
            checked_in_by_id=None,
            arrived_guests=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    rsvp = _read(session, rsvp_id)
    if not undone:
        raise ServiceError(
            f"Someone else has just changed {rsvp.person.name}'s check-in; look again below."
        )
    reverse_points(
        session,
        idempotency_key=attendance_key(rsvp, check_in_number),
        reason=f"Check-in at {rsvp.event.title} undone",
        now=now,
    )
    return rsvp


def attendance_key(rsvp: Rsvp, check_in_number: int) -> str:
    """The ledger key of one check-in's points (the first keeps the key it always had)."""
    key = f"event:{rsvp.event_id}:attended:{rsvp.user_id}"
    return key if check_in_number == 1 else f"{key}:{check_in_number}"


def _award_attendance_points(session: Session, rsvp: Rsvp, now: datetime) -> None:
    """Thank the owner for coming with the points the dealership set (visitors have none)."""
    if rsvp.is_guest:
        return
    points = int(
        read_settings(session, {ATTENDANCE_POINTS: POINTS_DEFAULTS[ATTENDANCE_POINTS]})[
            ATTENDANCE_POINTS
        ]
    )
    if points > 0:
        award_points(
            session,
            user_id=rsvp.user_id,
            points=points,
            idempotency_key=attendance_key(rsvp, rsvp.check_ins),
            reason=f"Came to {rsvp.event.title}",
            now=now,
        )
