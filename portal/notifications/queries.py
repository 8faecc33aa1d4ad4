"""Reads of notifications: the owner's inbox, the staff delivery log and its counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Integer, ScalarSelect, Select, bindparam, func, select
from sqlalchemy.orm import Session

from portal.db import page_rows, read_connection
from portal.notifications.models import Notification
from portal.paging import COUNT_AHEAD, ListPage, PagedSelect

if TYPE_CHECKING:
    from portal.accounts.models import User


#: Built once: the inbox's rows (only what a line shows: id, subject, when it came, whether it
#: is unread), newest first; each request binds the owner's id.
INBOX_ROWS = (
    select(
        Notification.id,
        Notification.subject,
        Notification.created_at,
        Notification.read_at.is_(None).label("unread"),
    )
    .where(Notification.user_id == bindparam("user_id", type_=Integer))
    .order_by(Notification.created_at.desc(), Notification.id.desc())
)
#: One page of those rows in one statement: each row carries the owner's count of messages,
#: counted as `portal.paging` counts (no further than `count_limit`), in its last column.
_INBOX_PAGE = (
    INBOX_ROWS.add_columns(PagedSelect(INBOX_ROWS).count.scalar_subquery().label("counted"))
    .limit(bindparam("page_limit"))
    .offset(bindparam("page_offset"))
)


def inbox_page(session: Session, user: User, page: int, per_page: int) -> ListPage | None:
    """One page of the owner's messages, newest first (one statement), or None for a page
    before the first or past the last. Its items are `INBOX_ROWS`' rows, each with the count
    in a last column.

    The count comes with the rows rather than in a statement of its own (as
    `PagedSelect.page_of` does it): a page past the end has no rows to carry it, and is a 404
    here anyway.
    """
    if page < 1:
        return None
    start = (page - 1) * per_page
    known = start + max(COUNT_AHEAD, per_page)
    values = {
        "user_id": user.id,
        "count_limit": known + 1,
        "page_limit": per_page,
        "page_offset": start,
    }
    rows = page_rows(session, _INBOX_PAGE, values).all()
    if not rows:
        return ListPage([], 1, per_page, 0, exact=True) if page == 1 else None
    counted = rows[0].counted
    exact = counted <= known
    return ListPage(rows, page, per_page, counted if exact else known, exact)


#: Built once, on the table (the ORM adds only its cost to a count): every signed-in page
#: shows the unread count.
_NOTIFICATIONS = Notification.__table__.c
_UNREAD = (
    select(func.count())
    .select_from(Notification.__table__)
    .where(_NOTIFICATIONS.user_id == bindparam("user_id"), _NOTIFICATIONS.read_at.is_(None))
)


#: The name the request keeps the unread count under when it read it with the user.
UNREAD_COUNT = "unread_count"


def unread_count(session: Session, user: User) -> int:
    """How many of the owner's messages are unread (every signed-in page shows it)."""
    return read_connection(session).scalar(_UNREAD, {"user_id": user.id})  # a new one counts


def unread_of(user_id: ColumnElement[int]) -> ScalarSelect[int]:
    """`unread_count` as a column of another statement, for the user whose id is `user_id`
    (the statement that loads the signed-in user reads it with them)."""
    return (
        select(func.count())
        .select_from(Notification.__table__)
        .where(_NOTIFICATIONS.user_id == user_id, _NOTIFICATIONS.read_at.is_(None))
        .scalar_subquery()
    )


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
