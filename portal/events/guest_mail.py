"""Emails to visitors about their RSVP (they have no account, so no inbox): sent after commit.

A visitor is not an owner, so these messages cannot go through the notification queue
(which is per owner, with consents and an inbox). They are queued on the database session
instead and sent once the transaction that caused them has committed: a rolled-back RSVP
sends nothing, and a request that fails after queueing sends nothing either. A message that
fails to send is logged; the visitor can ask again from the event page.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dealership.queries import dealership_profile
from portal.events.calendars import calendar_bytes, uid_domain
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.rules import WHAT_TO_BRING, short_day, spoken_when
from portal.mail import Attachment, current_mailer
from portal.security import public_url, sign

#: Where a database session keeps the guest messages it will send once committed.
QUEUE = "portal.guest_mail"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuestMail:
    """One email to one visitor, built when queued."""

    to: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()


def queue_guest_mail(session: Session, mail: GuestMail) -> None:
    """Send `mail` once this session's transaction commits."""
    session.info.setdefault(QUEUE, []).append(mail)


def _send_queued(session: Session) -> None:
    mails = session.info.pop(QUEUE, [])
    if not mails or not has_app_context():
        return
    mailer = current_mailer()
    for mail in mails:
        try:
            mailer.send(mail.to, mail.subject, mail.text, attachments=mail.attachments)
        except Exception:  # a mail server's refusal must not turn a done RSVP into an error
            log.exception("Could not send the RSVP email to a visitor")


def _drop_queued(session: Session) -> None:
    session.info.pop(QUEUE, None)


def install_guest_mail() -> None:
    """Send queued guest mail after every commit; drop it on rollback (once per process)."""
    if not sa_event.contains(Session, "after_commit", _send_queued):
        sa_event.listen(Session, "after_commit", _send_queued)
        sa_event.listen(Session, "after_rollback", _drop_queued)


# --- What the emails say -------------------------------------------------------------------

#: How long the link that confirms a visitor's RSVP works.
CONFIRM_MAX_AGE = 48 * 3600
#: How long a cancel link works (it also dies when the visitor books afresh).
CANCEL_MAX_AGE = 400 * 24 * 3600
CONFIRM_PURPOSE = "guest-rsvp"
CANCEL_PURPOSE = "guest-rsvp-cancel"


def cancel_link(rsvp: Rsvp) -> str:
    """The signed link in every email about a booked visitor's place: it asks, then cancels."""
    token = sign(CANCEL_PURPOSE, {"r": rsvp.id, "k": rsvp.guest_nonce})
    return public_url("events.guest_cancel", token=token)


def _party(guests: int) -> str:
    return "" if not guests else f" with {guests} guest{'' if guests == 1 else 's'}"


def _dealer(session: Session) -> dict:
    return dealership_profile(session)


def request_mail(session: Session, *, event: Event, request: dict, now: datetime) -> GuestMail:
    """The email asking a visitor to confirm the RSVP they asked for (no seat is held yet)."""
    profile = _dealer(session)
    link = public_url("events.guest_confirm", token=sign(CONFIRM_PURPOSE, request))
    first = request["n"].split()[0] if request["n"].split() else request["n"]
    text = (
        f"Hello {first},\n\n"
        f"Thanks for your interest in {event.title}"
        f" on {spoken_when(event.starts_at, event.ends_at, profile['timezone'])}, "
        f"at {event.location}.\n\n"
        "To save your place, open this link and press Confirm. Until then no seat is held, "
        "and the link works for 48 hours:\n\n"
        f"{link}\n\n"
        "If you didn't ask for this, you can ignore this email: nothing happens without "
        f"the confirmation.\n\n{profile['name']}"
    )
    return GuestMail(request["m"], f"Please confirm your place: {event.title}", text)


def _calendar_file(session: Session, event: Event, now: datetime) -> Attachment:
    body = calendar_bytes(
        [(event, public_url("events.show", event_id=event.id))],
        now,
        f"{_dealer(session)['name']} Owners Club",
        uid_domain(current_app.config["PORTAL_BASE_URL"]),
    )
    name = (re.sub(r"[^a-z0-9]+", "-", event.title.lower()).strip("-")[:60] or "event") + ".ics"
    params = {"method": "PUBLISH", "charset": "utf-8"}
    return Attachment(name, body, "text", "calendar", params)


def seat_mail(session: Session, *, rsvp: Rsvp, now: datetime, promoted: bool = False) -> GuestMail:
    """A booked visitor's confirmation (or their seat won from the waitlist), with the .ics."""
    event, profile = rsvp.event, _dealer(session)
    opening = (
        f"A seat has freed up at {event.title}, and as you were next on the waitlist it's now yours"
        if promoted
        else f"Your place at {event.title} is confirmed{_party(rsvp.guests)}"
    )
    advice = WHAT_TO_BRING.get(event.kind, "")
    text = (
        f"Hello {rsvp.person.first_name},\n\n{opening}. "
        f"It's on {spoken_when(event.starts_at, event.ends_at, profile['timezone'])}, "
        f"at {event.location}.\n\n"
        f"{advice} Give your name at the door and we'll check you in. The calendar file "
        "attached puts it in your calendar.\n\n"
        "If your plans change, please cancel here so someone else can have your seat:\n"
        f"{cancel_link(rsvp)}\n\n{profile['name']}"
    )
    subject = (
        f"A seat opened up for you: {event.title}"
        if promoted
        else f"You're booked: {event.title}, {short_day(event.starts_at, profile['timezone'])}"
    )
    attachment = _calendar_file(session, event, now)
    return GuestMail(rsvp.guest_email or "", subject, text, (attachment,))


def waitlist_mail(session: Session, *, rsvp: Rsvp) -> GuestMail:
    """A visitor who confirmed when the event was full: their place in the queue."""
    event, profile = rsvp.event, _dealer(session)
    text = (
        f"Hello {rsvp.person.first_name},\n\n"
        f"{event.title} is full at the moment, so you're on the waitlist{_party(rsvp.guests)}. "
        "Places go in the order people joined; if a seat frees up we'll email you straight "
        "away, with the details and a calendar file.\n\n"
        f"If you'd rather leave the waitlist:\n{cancel_link(rsvp)}\n\n{profile['name']}"
    )
    return GuestMail(rsvp.guest_email or "", f"You're on the waitlist: {event.title}", text)


def tell_guests(session: Session, event: Event, subject: str, news: str) -> None:
    """Queue `news` (a paragraph) to every visitor with a seat or a waitlist place, with the
    link to cancel theirs; owners hear the same through the notification queue."""
    visitors = session.scalars(
        select(Rsvp)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.user_id.is_(None),
            Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
        )
        .order_by(Rsvp.id)
    )
    name = _dealer(session)["name"]
    for rsvp in visitors:
        footer = (
            ""
            if event.is_cancelled
            else f"\n\nIf this no longer suits you, you can cancel here:\n{cancel_link(rsvp)}"
        )
        text = f"Hello {rsvp.person.first_name},\n\n{news}{footer}\n\n{name}"
        queue_guest_mail(session, GuestMail(rsvp.guest_email or "", subject, text))
