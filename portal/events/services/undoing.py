"""Taking back an owner's own cancellation, for a short time, while the seat is still free.

The seat comes back through `take_seats`, the same conditional UPDATE every RSVP uses, under
the same locks in the same order (event, then RSVP) as cancelling and promoting: the undo and
a waitlist promotion cannot both win one seat, on SQLite or PostgreSQL.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from portal.errors import ServiceError
from portal.events.models import Rsvp, RsvpStatus
from portal.events.rules import UNDO_CANCEL_WINDOW, undo_cancel_until
from portal.events.services.rsvps import (
    RsvpOutcome,
    lock_event,
    lock_rsvp,
    promote_waitlist,
    refresh_seats,
    take_seats,
)


def undo_cancel(
    session: Session, *, rsvp: Rsvp, now: datetime, secret_key: str, event_url: str
) -> RsvpOutcome:
    """Take back the owner's own cancellation, within UNDO_CANCEL_WINDOW.

    A seat comes back only through `take_seats`, the conditional UPDATE every RSVP uses: if
    the waitlist (or anyone) took it meanwhile, the undo is refused and the owner is offered
    the waitlist. A waitlist place comes back where it was (its queue time never changed).
    The ticket stays the one the owner had. Undoing twice changes nothing the second time.
    """
    lock_event(session, rsvp.event_id)
    rsvp = lock_rsvp(session, rsvp.id)
    event = rsvp.event
    if rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED):
        return RsvpOutcome(rsvp, "Your RSVP stands; there's nothing to undo.")
    until = undo_cancel_until(rsvp)
    if until is None:
        raise ServiceError("There's no cancellation to undo. You're welcome to RSVP again.")
    if now >= until:
        minutes = int(UNDO_CANCEL_WINDOW.total_seconds() // 60)
        raise ServiceError(
            f"A cancellation can be undone for {minutes} minutes, and that time has passed. "
            "You're welcome to RSVP again."
        )
    if event.is_cancelled or now >= event.starts_at:
        raise ServiceError("This event no longer takes changes.")
    notification_ids: list[int] = []
    if rsvp.cancelled_from == RsvpStatus.CONFIRMED:
        if not take_seats(session, event.id, rsvp.seats):
            raise ServiceError(
                "Sorry, your seat has been given to someone else in the meantime, so it can't "
                "come back. You're welcome to join the waitlist; we'll tell you if a seat "
                "frees up."
            )
        rsvp.status = RsvpStatus.CONFIRMED
        message = "Welcome back: your seat is yours again, and your ticket still works."
    else:
        rsvp.status = RsvpStatus.WAITLISTED
        message = "You're back on the waitlist, in the same place as before."
    rsvp.cancelled_at = None
    rsvp.cancelled_from = None
    session.flush()
    if rsvp.status == RsvpStatus.WAITLISTED:
        # Seats may have freed while the owner was off the list: the queue moves as usual.
        notification_ids = promote_waitlist(
            session, event=event, now=now, secret_key=secret_key, event_url=event_url
        )
        session.refresh(rsvp)
        if rsvp.status == RsvpStatus.CONFIRMED:
            message = "You're back in, and a seat was free: it's yours, with your ticket."
    refresh_seats(session, event)
    return RsvpOutcome(rsvp, message, notification_ids)
