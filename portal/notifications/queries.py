"""Reads of notifications: the owner's inbox, the staff delivery log and its counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from portal.notifications.models import Notification

if TYPE_CHECKING:
    from portal.accounts.models import User


def inbox_query(user: User) -> Select:
    """The owner's messages, newest first (paginated by the view)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


#: Built once, on the table (the ORM adds only its cost to a count): every signed-in page
#: shows the unread count.
_NOTIFICATIONS = Notification.__table__.c
_UNREAD = (
    select(func.count())
    .select_from(Notification.__table__)
    .where(_NOTIFICATIONS.user_id == bindparam("user_id"), _NOTIFICATIONS.read_at.is_(None))
)


def unread_count(session: Session, user: User) -> int:
    """How many of the owner's messages are unread (every signed-in page shows it)."""
    if session.autoflush:  # as an ORM read would: a message added is counted
        session.flush()
    return session.connection().scalar(_UNREAD, {"user_id": user.id})


def get_for_owner(session: Session, user: User, notification_id: int) -> Notification | None:
    """One of the owner's own messages, or None (never another owner's)."""
    return session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def delivery_log_query(status: str | None = None, kind: str | None = None) -> Select:
    """Every message for the admin log, newest first, optionally by status and kind."""
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if status:
        query = query.where(Notification.status == status)
    if kind:
        query = query.where(Notification.kind == kind)
    return query


def status_counts(session: Session, ids: Sequence[int] | None = None) -> dict[str, int]:
    """How many messages (all, or just these) are in each delivery status."""
    query = select(Notification.status, func.count()).group_by(Notification.status)
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    return dict(session.execute(query).all())


def recipient(session: Session, user_id: int) -> User | None:
    """The person with this id, reached through `Notification.user` (accounts sit above us)."""
    return session.get(Notification.user.property.mapper.class_, user_id)
