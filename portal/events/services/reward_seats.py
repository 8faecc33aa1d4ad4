"""Seats that come with a reward: held and given back with the same conditional UPDATE as RSVPs.

Rewards (a layer above) call these inside the redemption's own transaction, so the stock,
the seat and the points move together or not at all. Locks are taken in the order every
seat-freeing path uses (event, then RSVP), so a reward seat and a cancellation cannot
deadlock on PostgreSQL; on SQLite every writing transaction is BEGIN IMMEDIATE.

An owner who already has a seat keeps it and it becomes their reward seat (no second seat
is taken); an owner on the waitlist, or with no RSVP, gets a seat if one is free. Only the
team frees a reward seat (declining the redemption): the owner's plain cancel is refused, so
the points and the seat always go back together.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.services.rsvps import (
    claim_rsvp_row,
    lock_event,
    lock_rsvp,
    promote_waitlist,
    refresh_seats,
    release_seats,
    take_seats,
)
from portal.events.tokens import TICKET, fresh_token


@dataclass(frozen=True)
class RewardSeat:
    """The RSVP now holding the reward seat, and what it was before (None: no seat held)."""

    rsvp: Rsvp
    was: str | None


def seat_refusal(event: Event | None, now: datetime) -> str | None:
    """Why a reward's event can't take a reward seat now, if it can't."""
    if event is None or event.status != EventStatus.PUBLISHED or now >= event.starts_at:
        return "This event has already taken place or isn't open, so its seats can't be reserved."
    return None


def hold_reward_seat(
    session: Session, *, event_id: int, user: User, now: datetime, secret_key: str
) -> RewardSeat:
    """Hold the owner's seat at the event for a reward, issuing the ticket if it's new.

    Raises ServiceError (and takes nothing) when the event is full, closed, or the owner
    already holds a reward seat there. The caller's transaction must roll back on it.
    """
    lock_event(session, event_id)
    event = session.get(Event, event_id, populate_existing=True)
    refusal = seat_refusal(event, now)
    if refusal:
        raise ServiceError(refusal)
    rsvp, _ = claim_rsvp_row(session, event, user, now)
    was = rsvp.status if rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED) else None
    if rsvp.status == RsvpStatus.ATTENDED or (rsvp.via_reward and was == RsvpStatus.CONFIRMED):
        raise ServiceError(f"You already have your seat at {event.title}.")
    if was != RsvpStatus.CONFIRMED:
        if was is None:
            rsvp.guests = 0
        if not take_seats(session, event.id, rsvp.seats):
            raise ServiceError(
                f"Sorry, {event.title} is full, so this reward can't hold a seat there. "
                "Nothing was spent: your points are as they were."
            )
        nonce, token_hash = fresh_token(secret_key, TICKET)
        rsvp.ticket_nonce, rsvp.ticket_hash = nonce, token_hash
        rsvp.status = RsvpStatus.CONFIRMED
        rsvp.confirmed_at = now
        rsvp.cancelled_at = rsvp.cancelled_from = rsvp.checked_in_at = None
    rsvp.via_reward = True
    session.flush()
    refresh_seats(session, event)
    return RewardSeat(rsvp, was)


def release_reward_seat(
    session: Session,
    *,
    rsvp_id: int,
    was: str | None,
    now: datetime,
    secret_key: str,
    event_url: str,
) -> list[int]:
    """Put the owner's RSVP back as it was before the reward; a freed seat goes to the waitlist.

    An upgraded RSVP ("confirmed" before) keeps its seat as a plain RSVP; one that was on the
    waitlist goes back to its old place; one that had no seat is cancelled. An RSVP that no
    longer holds its reward seat (checked in, say) is left as it is; at an event that has
    begun or was called off the seat is history, so only its reward mark goes.
    Returns the ids of the notifications to dispatch after commit.
    """
    rsvp = session.get(Rsvp, rsvp_id)
    lock_event(session, rsvp.event_id)
    rsvp = lock_rsvp(session, rsvp_id)
    if not rsvp.via_reward or rsvp.status != RsvpStatus.CONFIRMED:
        return []
    rsvp.via_reward = False
    event = rsvp.event
    if was == RsvpStatus.CONFIRMED or event.is_cancelled or now >= event.starts_at:
        session.flush()
        return []
    seats = rsvp.seats
    if was == RsvpStatus.WAITLISTED:
        rsvp.status = RsvpStatus.WAITLISTED
    else:
        rsvp.status = RsvpStatus.CANCELLED
        rsvp.cancelled_at = now
    rsvp.ticket_nonce = rsvp.ticket_hash = None
    session.flush()
    release_seats(session, event.id, seats)
    notification_ids = promote_waitlist(
        session, event=event, now=now, secret_key=secret_key, event_url=event_url
    )
    refresh_seats(session, event)
    return notification_ids
