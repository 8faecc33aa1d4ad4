"""Inviting the owners an event suits: a preview first, then exactly the previewed owners.

The preview says how many owners would be invited, names a sample of them and shows the
message as they will read it; nothing is sent. Confirming sends to the owners the preview
listed who still qualify. An owner who started to qualify after the preview (a new car, a
new member) is not invited by that confirmation: the coordinator never sends to someone they
were not shown, and the outcome says how many a fresh preview would add.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.errors import ServiceError
from portal.events.models import Audience, Event, EventStatus, Rsvp
from portal.events.rules import AMBASSADOR_LEVEL
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.notifications.services import Consent, Message, notify_many

#: The preview names this many of the owners, in name order.
SAMPLE_SIZE = 10


def _invite_prefix(event_id: int) -> str:
    """The claim keys of an event's invitations start so; the owner's id ends them."""
    return f"event:{event_id}:invite:"


def _invite_key(event_id: int, owner_id: int) -> str:
    """The claim key of one invitation: a second send to the same owner is a no-op."""
    return f"{_invite_prefix(event_id)}{owner_id}"


def _target_conditions(event: Event) -> list:
    """Conditions on Vehicle for an active car the event targets."""
    conditions = [
        Vehicle.retired_at.is_(None),
        func.lower(Vehicle.make) == event.target_make.lower(),
    ]
    if event.target_model:
        conditions.append(func.lower(Vehicle.model) == event.target_model.lower())
    if event.target_year_from:
        conditions.append(Vehicle.year >= event.target_year_from)
    if event.target_year_to:
        conditions.append(Vehicle.year <= event.target_year_to)
    return conditions


def _invitable(event: Event) -> Select:
    """Owners the event suits (its target cars, else its whole audience) who would get an
    invitation now: active, agreed to event invitations, not yet answered, not yet invited."""
    # Visitors' RSVPs have no user id; a NULL in NOT IN (...) would match no owner at all.
    answered = select(Rsvp.user_id).where(Rsvp.event_id == event.id, Rsvp.user_id.is_not(None))
    invited = exists().where(
        Notification.user_id == User.id,
        Notification.key == literal(_invite_prefix(event.id)) + cast(User.id, String),
    )
    query = select(User).where(
        User.role == Role.OWNER,
        User.deactivated_at.is_(None),
        User.consent_event_invites.is_(True),
        User.id.not_in(answered),
        ~invited,
    )
    if event.audience == Audience.AMBASSADORS:
        query = query.where(User.tier_level >= AMBASSADOR_LEVEL)
    if event.has_target:
        query = query.where(User.id.in_(select(Vehicle.owner_id).where(*_target_conditions(event))))
    return query


def _when(value: datetime, tz: str) -> str:
    """'Sat 14 Mar 2026 at 10:00 AM EDT' in the dealership's time zone, with its abbreviation."""
    return value.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %Y at %-I:%M %p %Z")


def invitation(event: Event, owner: User, *, tz: str, event_url: str) -> Message:
    """The invitation one owner reads: who it's for, why them, and how to answer."""
    reason = (
        f"it's made for owners of a {event.target_label}, like you"
        if event.has_target
        else "we'd love to see you there"
    )
    return Message(
        user=owner,
        key=_invite_key(event.id, owner.id),
        kind="event_invite",
        subject=f"You're invited: {event.title}",
        body=(
            f"Hello {owner.first_name},\n\n"
            f"We're holding {event.title} ({event.kind_label.lower()}) on "
            f"{_when(event.starts_at, tz)} at {event.location}, and we thought of you: "
            f"{reason}.\n\n"
            f"There are {event.capacity} places. If you'd like to come, you can RSVP "
            "from the event page in one click; no need to reply to this message."
        ),
        consent=Consent.EVENT_INVITES,
        action_path=event_url,
        action_label="See the event",
    )


@dataclass(frozen=True)
class InvitePreview:
    """What confirming would do: every owner it would invite, and a sample message."""

    owner_ids: list[int]
    sample: list[User]
    message: Message | None

    @property
    def count(self) -> int:
        return len(self.owner_ids)

    @property
    def more(self) -> int:
        """Owners beyond the named sample."""
        return self.count - len(self.sample)


def _check_published(event: Event) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise ServiceError("Publish the event before inviting owners.")


def preview_invitations(
    session: Session, event: Event, *, tz: str, event_url: str
) -> InvitePreview:
    """Who would be invited now and what they'd read; sends nothing (two queries)."""
    _check_published(event)
    invitable = _invitable(event).subquery()
    owner_ids = list(session.scalars(select(invitable.c.id).order_by(invitable.c.id)))
    sample = list(
        session.scalars(
            _invitable(event).order_by(func.lower(User.name), User.id).limit(SAMPLE_SIZE)
        )
    )
    message = invitation(event, sample[0], tz=tz, event_url=event_url) if sample else None
    return InvitePreview(owner_ids, sample, message)


@dataclass(frozen=True)
class InviteOutcome:
    """What confirming did: the messages queued, who got one, and how the set moved."""

    notification_ids: list[int]
    invited: list[int]
    #: Previewed owners who no longer qualify (they answered, were invited meanwhile, left).
    dropped: int
    #: Owners who qualify now but were not in the preview, so were not invited.
    not_previewed: int


def invite_owners(
    session: Session,
    event: Event,
    *,
    owner_ids: Collection[int],
    now: datetime,
    tz: str,
    event_url: str,
) -> InviteOutcome:
    """Invite exactly the previewed owners who still qualify; never anyone else.

    The claim key makes a second confirmation (a double click, two coordinators) send
    nothing twice.
    """
    _check_published(event)
    previewed = set(owner_ids)
    owners = list(session.scalars(_invitable(event).order_by(User.id)))
    chosen = [owner for owner in owners if owner.id in previewed]
    if not chosen:
        raise ServiceError(
            "Everyone in the preview has been invited or has answered already, so nothing was sent."
        )
    messages = [invitation(event, owner, tz=tz, event_url=event_url) for owner in chosen]
    ids = notify_many(session, messages, now)
    return InviteOutcome(
        notification_ids=ids,
        invited=[owner.id for owner in chosen],
        dropped=len(previewed) - len(chosen),
        not_previewed=len(owners) - len(chosen),
    )
