"""Prospects who came through an owner's invite link: the channel, and their event RSVPs.

The invite landing remembers the link (and the channel it was shared through) in the
visitor's session. When that visitor confirms an RSVP to a public event, events tells the
listeners the app installed (`portal.events.services.guests`), and `record_guest_rsvp` here
notes the RSVP on the prospect's referral, creating the referral when there is none yet.
Whether they came is read from that RSVP's check-in, so an undone check-in is undone here.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.events.models import Rsvp
from portal.referrals.models import Referral, Source, Stage
from portal.referrals.queries import find_referrer

#: The channels a link's `?src=` may name.
SOURCES = frozenset(source.value for source in Source)


def chosen_source(value: str | None) -> str | None:
    """The channel a link's `?src=` names, or None when it names none we know."""
    return value if value in SOURCES else None


def record_guest_rsvp(session: Session, rsvp: Rsvp, invite: dict | None, now: datetime) -> None:
    """Note a visitor's confirmed RSVP on the referral of the invite link they came through."""
    if not invite or not isinstance(invite.get("code"), str):
        return
    referrer = find_referrer(session, invite["code"][:200])
    if referrer is None or referrer.email == rsvp.guest_email:
        return
    referral = session.scalar(select(Referral).where(Referral.email == rsvp.guest_email))
    if referral is None:
        referral = Referral(
            referrer_id=referrer.id,
            name=rsvp.guest_name or rsvp.guest_email,
            email=rsvp.guest_email,
            # An RSVP is not consent to hear about cars: the team waits to be asked.
            consent_contact=False,
            stage=Stage.INVITED,
            stage_changed_at=now,
            source=chosen_source(invite.get("src")),
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(referral)
        except IntegrityError:  # the same friend's landing form a moment earlier
            referral = session.scalar(select(Referral).where(Referral.email == rsvp.guest_email))
    referral.rsvp_id = rsvp.id
    referral.rsvped_at = now
