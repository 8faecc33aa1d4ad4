"""Invitations to claim an account the dealership created (a purchase, an import, new staff).

They travel as notifications: claimed under a unique key, delivered by the dispatcher,
retried when a send fails, and visible to admins in the notification log.
"""

from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.services.members import password_fingerprint
from portal.notifications.services import Message, notify_many
from portal.security import sign

#: Claim links last longer than reset links: people open them when the new car is home.
CLAIM_LINK_MAX_AGE = 30 * 24 * 3600
#: Accounts loaded per IN (...) query: well under SQLite's bound-parameter limit.
IN_CHUNK = 500


def claim_path(user: User) -> str:
    """A signed, single-use path that lets the person set their first password."""
    token = sign("claim-account", {"uid": user.id, "fp": password_fingerprint(user)})
    return url_for("accounts.claim_account", token=token)


def claim_invitation(user: User, *, cars: list[str], reason: str, dealership_name: str) -> Message:
    """The invitation; `cars` are labels already in their garage, `reason` says why now."""
    garage = f" with {', '.join(cars)} already in your garage" if cars else ""
    body = (
        f"Hello {user.first_name},\n\n{reason}\n\n"
        f"We've set up your {dealership_name} Owners Club account{garage}. Choose a password "
        "to start using it: the link works once, for 30 days.\n\n"
        "In the club you'll see when service is due, and get first word on car-care clinics "
        "and owners' events."
    )
    return Message(
        user=user,
        key=f"claim:{user.id}:{password_fingerprint(user)}",
        kind="account",
        subject="Your Owners Club account is ready",
        body=body,
        action_path=claim_path(user),
        action_label="Set up my account",
    )


def queue_claim_invitation(
    session: Session,
    user: User,
    *,
    cars: list[str],
    reason: str,
    dealership_name: str,
    now: datetime,
) -> int | None:
    """Queue one invitation; returns the notification id to dispatch after commit."""
    message = claim_invitation(user, cars=cars, reason=reason, dealership_name=dealership_name)
    ids = notify_many(session, [message], now)
    return ids[0] if ids else None


def queue_claim_invitations(
    session: Session,
    invitations: list[tuple[int, list[str]]],
    *,
    reason: str,
    dealership_name: str,
    now: datetime,
) -> list[int]:
    """Queue an invitation for each (user id, cars) pair; returns the new notification ids."""
    ids = [user_id for user_id, _cars in invitations]
    people: dict[int, User] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        people.update(
            (user.id, user) for user in session.scalars(select(User).where(User.id.in_(chunk)))
        )
    messages = [
        claim_invitation(people[user_id], cars=cars, reason=reason, dealership_name=dealership_name)
        for user_id, cars in invitations
    ]
    return notify_many(session, messages, now)
