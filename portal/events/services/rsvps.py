"""RSVPs: take a seat or join the waitlist, cancel, change guests, promote.

Capacity is a promise. `events.seats_taken` changes only through `take_seats` and
`release_seats`, single conditional UPDATEs whose row count says whether the seats were
won: race-free on PostgreSQL (the row is re-checked after a concurrent writer commits)
and on SQLite (every transaction is BEGIN IMMEDIATE). An RSVP row is locked (FOR UPDATE
on PostgreSQL) before its own state changes, so a double click changes it once.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.events.guest_mail import queue_guest_mail, seat_mail
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.rules import rsvp_refusal, waitlist_order
from portal.events.services.messages import confirm_rsvp
from portal.events.tokens import TICKET, fresh_token
from portal.notifications.services import notify

#: A reward seat is freed only by the team declining the redemption, so the points come back too.
REWARD_SEAT_CANCEL = (
    "This seat came with a reward you redeemed. If you can't come, please let the team know "
    "from the reward's page: they'll free the seat and return your points."
)


@dataclass
class RsvpOutcome:
    """What an RSVP action did: the RSVP, a sentence for the owner, messages to dispatch."""

    rsvp: Rsvp
    message: str
    notification_ids: list[int] = field(default_factory=list)


def take_seats(session: Session, event_id: int, seats: int) -> bool:
    """Take `seats` if they are free; True when this transaction won them."""
    result = session.execute(
        update(Event)
        .where(Event.id == event_id, Event.seats_taken + seats <= Event.capacity)
        .values(seats_taken=Event.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_seats(session: Session, event_id: int, seats: int) -> None:
    """Give `seats` back to the event."""
    session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(seats_taken=Event.seats_taken - seats)
        .execution_options(synchronize_session=False)
    )


def refresh_seats(session: Session, event: Event) -> None:
    """Re-read the seat count the conditional UPDATEs changed behind the ORM's back."""
    session.expire(event, ["seats_taken", "capacity"])


def _issue_ticket(secret_key: str) -> dict:
    nonce, token_hash = fresh_token(secret_key, TICKET)
    return {"ticket_nonce": nonce, "ticket_hash": token_hash}


def lock_event(session: Session, event_id: int) -> None:
    """Hold the event row (PostgreSQL) so that seat releases and promotions queue up.

    Taken before any RSVP row lock, in every path that frees seats, so locks are always
    taken in the same order (event, then RSVPs) and two cancellations cannot deadlock.
    """
    session.execute(select(Event.id).where(Event.id == event_id).with_for_update())


def lock_rsvp(session: Session, rsvp_id: int) -> Rsvp:
    """The RSVP row, freshly read and locked for this transaction (PostgreSQL)."""
    return session.scalars(
        select(Rsvp)
        .where(Rsvp.id == rsvp_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def claim_rsvp_row(session: Session, event: Event, user: User, now: datetime) -> tuple[Rsvp, bool]:
    """The owner's one row for this event, inserted if new; (rsvp, inserted)."""
    return claim_row(session, {"event_id": event.id, "user_id": user.id}, now)


def claim_row(session: Session, identity: dict, now: datetime, **extra) -> tuple[Rsvp, bool]:
    """The one row of a person for an event, inserted (cancelled, holding nothing) if new and
    locked for this transaction; (rsvp, inserted).

    `identity` is what makes the row one: the event and the owner (`user_id`) or the visitor
    (`guest_email`), a unique key of the table; `extra` fills the rest of a new row.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted_id = session.execute(
        dialect.insert(Rsvp)
        .values(
            **identity,
            **extra,
            status=RsvpStatus.CANCELLED,
            guests=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=list(identity))
        .returning(Rsvp.id)
    ).scalar_one_or_none()
    existing_id = inserted_id or session.scalar(select(Rsvp.id).filter_by(**identity))
    return lock_rsvp(session, existing_id), inserted_id is not None


def place_rsvp(
    session: Session,
    *,
    event: Event,
    user: User,
    guests: int,
    now: datetime,
    tz: str,
    secret_key: str,
    event_url: str,
) -> RsvpOutcome:
    """RSVP for the owner and their guests: a seat if one is free, else the waitlist.

    A seat is confirmed to the owner by message (with the event's calendar file by email).
    Submitting twice leaves one RSVP: the second call finds the row and reports its state.
    """
    refusal = rsvp_refusal(event, user, now, tz)
    if refusal:
        raise ServiceError(refusal)
    _check_guests(event, guests)
    rsvp, _ = claim_rsvp_row(session, event, user, now)
    if rsvp.status != RsvpStatus.CANCELLED:
        return RsvpOutcome(rsvp, _already_message(rsvp))
    rsvp.guests = guests
    rsvp.cancelled_at = None
    rsvp.cancelled_from = None
    rsvp.checked_in_at = None
    if take_seats(session, event.id, rsvp.seats):
        rsvp.status = RsvpStatus.CONFIRMED
        rsvp.confirmed_at = now
        for name, value in _issue_ticket(secret_key).items():
            setattr(rsvp, name, value)
        message = "You're in. Your ticket is ready under My events."
    else:
        rsvp.status = RsvpStatus.WAITLISTED
        rsvp.waitlisted_at = now
        message = "The event is full, so you're on the waitlist. We'll tell you if a seat frees up."
    session.flush()
    refresh_seats(session, event)
    notification_ids = []
    if rsvp.status == RsvpStatus.CONFIRMED:
        notification_ids = confirm_rsvp(
            session, rsvp=rsvp, user=user, now=now, tz=tz, event_url=event_url
        )
    return RsvpOutcome(rsvp, message, notification_ids)


def _check_guests(event: Event, guests: int) -> None:
    if guests < 0 or guests > event.guests_allowed:
        allowed = (
            "This event is for owners only, without guests."
            if event.guests_allowed == 0
            else f"You can bring up to {event.guests_allowed} guests."
        )
        raise ServiceError(allowed, field="guests")


def _already_message(rsvp: Rsvp) -> str:
    return {
        RsvpStatus.CONFIRMED: "You already have a seat at this event.",
        RsvpStatus.WAITLISTED: "You're already on the waitlist for this event.",
        RsvpStatus.ATTENDED: "You've already checked in at this event.",
    }[rsvp.status]


def cancel_rsvp(
    session: Session, *, rsvp: Rsvp, now: datetime, secret_key: str, event_url: str
) -> RsvpOutcome:
    """Give up a seat or a waitlist place; a freed seat goes to the waitlist at once."""
    lock_event(session, rsvp.event_id)
    rsvp = lock_rsvp(session, rsvp.id)
    if rsvp.status == RsvpStatus.CANCELLED:
        return RsvpOutcome(rsvp, "Your RSVP was already cancelled.")
    if rsvp.status == RsvpStatus.ATTENDED:
        raise ServiceError("You've checked in at this event, so there's nothing to cancel.")
    if rsvp.via_reward and rsvp.holds_seat:
        raise ServiceError(REWARD_SEAT_CANCEL)
    held_seat = rsvp.holds_seat
    rsvp.cancelled_from = rsvp.status
    rsvp.status = RsvpStatus.CANCELLED
    rsvp.cancelled_at = now
    session.flush()
    notification_ids: list[int] = []
    if held_seat:
        release_seats(session, rsvp.event_id, rsvp.seats)
        notification_ids = promote_waitlist(
            session, event=rsvp.event, now=now, secret_key=secret_key, event_url=event_url
        )
    refresh_seats(session, rsvp.event)
    return RsvpOutcome(
        rsvp, "Your RSVP is cancelled. Thanks for letting us know.", notification_ids
    )


def change_guests(
    session: Session, *, rsvp: Rsvp, guests: int, now: datetime, secret_key: str, event_url: str
) -> RsvpOutcome:
    """Bring more or fewer guests; more need free seats, fewer free seats for the waitlist."""
    lock_event(session, rsvp.event_id)
    rsvp = lock_rsvp(session, rsvp.id)
    event = rsvp.event
    _check_guests(event, guests)
    if rsvp.status not in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED):
        raise ServiceError("Only an active RSVP can change its guests.", field="guests")
    if now >= event.starts_at or event.is_cancelled:
        raise ServiceError("This event no longer takes changes.", field="guests")
    extra = guests - rsvp.guests
    if extra == 0:
        return RsvpOutcome(rsvp, "Nothing changed.")
    notification_ids: list[int] = []
    if (
        rsvp.status == RsvpStatus.CONFIRMED
        and extra > 0
        and not take_seats(session, event.id, extra)
    ):
        refresh_seats(session, event)
        can_add = event.seats_left
        raise ServiceError(
            f"There {'is' if can_add == 1 else 'are'} only {can_add} more "
            f"seat{'' if can_add == 1 else 's'} free, so you can bring up to "
            f"{rsvp.guests + can_add} guests.",
            field="guests",
        )
    rsvp.guests = guests
    session.flush()
    if extra < 0:
        if rsvp.status == RsvpStatus.CONFIRMED:
            release_seats(session, event.id, -extra)
        notification_ids = promote_waitlist(
            session, event=event, now=now, secret_key=secret_key, event_url=event_url
        )
    refresh_seats(session, event)
    word = "guest" if guests == 1 else "guests"
    return RsvpOutcome(rsvp, f"Done: you're bringing {guests} {word}.", notification_ids)


def promote_waitlist(
    session: Session, *, event: Event, now: datetime, secret_key: str, event_url: str
) -> list[int]:
    """Confirm the first waitlisted RSVPs that fit the free seats; notify each one.

    Returns the ids of the notifications to dispatch after commit.
    """
    notification_ids: list[int] = []
    while True:
        free = session.scalar(
            select(Event.capacity - Event.seats_taken).where(Event.id == event.id)
        )
        if free <= 0:
            break
        candidates = session.execute(
            select(Rsvp.id, Rsvp.guests, Rsvp.user_id)
            .join(Event, Event.id == Rsvp.event_id)
            .outerjoin(User, User.id == Rsvp.user_id)  # visitors (no account) queue too
            .where(
                Rsvp.event_id == event.id,
                Rsvp.status == RsvpStatus.WAITLISTED,
                Rsvp.guests + 1 <= free,
            )
            .order_by(*waitlist_order())
        ).all()
        promoted = None
        for rsvp_id, guests, user_id in candidates:
            if not take_seats(session, event.id, 1 + guests):
                continue
            ticket = _issue_ticket(secret_key)
            won = session.execute(
                update(Rsvp)
                .where(
                    Rsvp.id == rsvp_id,
                    Rsvp.status == RsvpStatus.WAITLISTED,
                    Rsvp.guests == guests,
                )
                .values(status=RsvpStatus.CONFIRMED, confirmed_at=now, **ticket)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won == 1:
                promoted = (rsvp_id, user_id, ticket["ticket_nonce"])
                break
            release_seats(session, event.id, 1 + guests)  # another request moved it first
        if promoted is None:
            break
        notification_id = _notify_promoted(session, event, *promoted, now, event_url)
        if notification_id:
            notification_ids.append(notification_id)
    # The UPDATEs above bypassed the ORM: loaded RSVPs must be read again.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Rsvp):
            session.expire(loaded)
    return notification_ids


def _notify_promoted(
    session: Session,
    event: Event,
    rsvp_id: int,
    user_id: int,
    ticket_nonce: str,
    now: datetime,
    event_url: str,
) -> int | None:
    if user_id is None:  # a visitor: no inbox, so an email sent once this commits
        rsvp = session.get(Rsvp, rsvp_id, populate_existing=True)
        queue_guest_mail(session, seat_mail(session, rsvp=rsvp, now=now, promoted=True))
        return None
    user = session.get(User, user_id)
    return notify(
        session,
        user=user,
        # One message per promotion: a later re-RSVP promoted again gets its own.
        key=f"event:{event.id}:promoted:{rsvp_id}:{ticket_nonce[:12]}",
        kind="event_promoted",
        subject=f"A seat opened up for you: {event.title}",
        body=(
            f"Hello {user.first_name},\n\n"
            f"A seat has freed up at {event.title}, and as you were next on the waitlist "
            "it's now yours: your RSVP is confirmed and your ticket is ready.\n\n"
            "If your plans have changed, you can cancel from the event page so someone "
            "else can come."
        ),
        now=now,
        action_path=event_url,
        action_label="See your ticket",
    )
