"""Visitors' RSVPs to public events: asked for by name and email, confirmed from an email.

Asking holds nothing: the request travels in a signed, expiring link (CONFIRM_MAX_AGE), so
an unconfirmed RSVP is not even a row. Confirming it (a POST from the page that link opens)
makes the visitor's one RSVP row for the event, unique per event and email, and takes seats
through the same conditional UPDATE as owners' RSVPs (`rsvps.take_seats`), or joins the same
waitlist, in the same queue order. Cancelling (a POST from the emailed cancel link) is the
owners' `cancel_rsvp`, which gives the seat to the next in the queue, visitor or owner.

Domains above events learn of a confirmed visitor through listeners the app installs
(`install_guest_rsvp_listeners`): referrals records the RSVP on the prospect's referral
when the visitor came through an owner's invite link.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.services.members import find_user_by_email, normalise_email
from portal.errors import ServiceError
from portal.events.guest_mail import (
    CANCEL_MAX_AGE,
    CANCEL_PURPOSE,
    CONFIRM_MAX_AGE,
    CONFIRM_PURPOSE,
    queue_guest_mail,
    request_mail,
    seat_mail,
    waitlist_mail,
)
from portal.events.models import Audience, Event, EventStatus, Rsvp, RsvpStatus
from portal.events.rules import rsvp_closes_at, rsvp_opens_at
from portal.events.services.rsvps import claim_row, refresh_seats, take_seats
from portal.events.tokens import TICKET, fresh_token
from portal.security import new_url_token, unsign

#: Where the app keeps the listeners told of each confirmed visitor RSVP.
LISTENERS = "portal.guest_rsvp_listeners"
#: A listener: (session, the RSVP, the invite context the visitor came with or None, now).
GuestRsvpListener = Callable[[Session, Rsvp, dict | None, datetime], None]


def install_guest_rsvp_listeners(app, listeners: Sequence[GuestRsvpListener]) -> None:
    """Give the app the listeners of the domains above (referrals)."""
    app.extensions[LISTENERS] = tuple(listeners)


@dataclass
class GuestOutcome:
    """What a visitor's action did, in a sentence for them."""

    rsvp: Rsvp | None
    message: str


def guest_refusal(event: Event, now: datetime) -> str | None:
    """Why a visitor cannot RSVP to this event now; None when they can."""
    if event.audience != Audience.PUBLIC or event.status == EventStatus.DRAFT:
        return "This event is for members of the Owners Club."
    if event.status == EventStatus.CANCELLED:
        return "This event has been cancelled, so it no longer takes RSVPs."
    if now >= rsvp_closes_at(event):
        return "RSVPs for this event have closed."
    opens = rsvp_opens_at(event, None)
    if opens is not None and now < opens:
        return "RSVPs for this event haven't opened yet."
    return None


def _check(session: Session, event: Event, email: str, guests: int, now: datetime) -> None:
    refusal = guest_refusal(event, now)
    if refusal:
        raise ServiceError(refusal)
    if not 0 <= guests <= event.guests_allowed:
        allowed = (
            "This event has no room for guests, sorry."
            if event.guests_allowed == 0
            else f"You can bring up to {event.guests_allowed} guests."
        )
        raise ServiceError(allowed, field="guests")
    if find_user_by_email(session, email) is not None:
        raise ServiceError(
            "This email belongs to an Owners Club member: sign in to RSVP in one click.",
            field="email",
        )


def _live_rsvp(session: Session, event_id: int, email: str) -> Rsvp | None:
    return session.scalar(
        select(Rsvp).where(
            Rsvp.event_id == event_id,
            Rsvp.guest_email == email,
            Rsvp.status != RsvpStatus.CANCELLED,
        )
    )


def _already(rsvp: Rsvp) -> str:
    if rsvp.status == RsvpStatus.WAITLISTED:
        return "You're already on the waitlist for this event: we'll email you if a seat frees up."
    return "You already have a place at this event: the confirmation is in your email."


def request_guest_rsvp(
    session: Session,
    *,
    event: Event,
    name: str,
    email: str,
    guests: int,
    invite: dict | None,
    now: datetime,
) -> GuestOutcome:
    """Email the visitor a link that confirms their RSVP; nothing is held until they do."""
    email = normalise_email(email)
    _check(session, event, email, guests, now)
    live = _live_rsvp(session, event.id, email)
    if live is not None:
        raise ServiceError(_already(live), field="email")
    request: dict[str, Any] = {"e": event.id, "n": name.strip(), "m": email, "g": guests}
    if invite:
        request["i"] = invite
    queue_guest_mail(session, request_mail(session, event=event, request=request, now=now))
    return GuestOutcome(
        None,
        f"Thanks, {name.strip().split()[0]}. We've emailed {email} a link: open it and press "
        "Confirm to save your place. No seat is held until then.",
    )


def read_request(token: str) -> dict | None:
    """The RSVP a confirmation link asks for; None when forged, expired or malformed."""
    request = unsign(CONFIRM_PURPOSE, token, CONFIRM_MAX_AGE)
    if not isinstance(request, dict):
        return None
    fields = (("e", int), ("n", str), ("m", str), ("g", int))
    if not all(isinstance(request.get(key), kind) for key, kind in fields):
        return None
    return request


def _claim_guest_row(session: Session, event: Event, request: dict, now: datetime) -> Rsvp:
    """The visitor's one row for this event, inserted if new, locked for this transaction."""
    identity = {"event_id": event.id, "guest_email": request["m"]}
    rsvp, _ = claim_row(session, identity, now, user_id=None, guest_name=request["n"][:120])
    return rsvp


def confirm_guest_rsvp(
    session: Session, *, event: Event, request: dict, now: datetime, secret_key: str
) -> GuestOutcome:
    """Confirm a visitor's RSVP: a seat if one is free, else the waitlist; email them.

    Confirming twice (a double click, the link opened again) keeps the one RSVP as it is.
    """
    _check(session, event, request["m"], request["g"], now)
    rsvp = _claim_guest_row(session, event, request, now)
    if rsvp.status != RsvpStatus.CANCELLED:
        return GuestOutcome(rsvp, _already(rsvp))
    rsvp.guest_name = request["n"][:120]
    rsvp.guests = request["g"]
    rsvp.guest_nonce = new_url_token()[:32]
    rsvp.cancelled_at = rsvp.cancelled_from = rsvp.checked_in_at = None
    if take_seats(session, event.id, rsvp.seats):
        rsvp.status = RsvpStatus.CONFIRMED
        rsvp.confirmed_at = now
        rsvp.ticket_nonce, rsvp.ticket_hash = fresh_token(secret_key, TICKET)
        message = "You're in: your place is confirmed, and the details are in your email."
    else:
        rsvp.status = RsvpStatus.WAITLISTED
        rsvp.waitlisted_at = now
        message = "The event is full, so you're on the waitlist: we'll email you if a seat frees."
    session.flush()
    refresh_seats(session, event)
    mail = (
        seat_mail(session, rsvp=rsvp, now=now)
        if rsvp.holds_seat
        else waitlist_mail(session, rsvp=rsvp)
    )
    queue_guest_mail(session, mail)
    for listener in current_app.extensions.get(LISTENERS, ()):
        listener(session, rsvp, request.get("i"), now)
    return GuestOutcome(rsvp, message)


def rsvp_from_cancel_token(session: Session, token: str) -> Rsvp | None:
    """The visitor's RSVP a cancel link names, while the link is the current one."""
    payload = unsign(CANCEL_PURPOSE, token, CANCEL_MAX_AGE)
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        return None
    if not 0 < payload["r"] < 2**31:
        return None
    rsvp = session.get(Rsvp, payload["r"])
    if rsvp is None or not rsvp.is_guest or rsvp.guest_nonce != payload.get("k"):
        return None
    return rsvp
