"""Reading the ledger: balances, an owner's history, what one referral earned."""

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from portal.db import page_rows
from portal.points.models import PointsEntry

#: Built once: the owner's balance for `:user_id` (the rewards pages read it as a scalar
#: subquery along with their other reads).
BALANCE = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
    PointsEntry.user_id == bindparam("user_id")
)
#: A line as the pages show it, read as a plain row (no ORM object per line); the owner's
#: rewards page reads it in its one statement.
HISTORY = (
    select(
        PointsEntry.id,
        PointsEntry.points,
        PointsEntry.reason,
        PointsEntry.created_at,
        PointsEntry.idempotency_key,
    )
    .where(PointsEntry.user_id == bindparam("user_id"))
    .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
    .limit(bindparam("limit"))
)


def points_balance(session: Session, user_id: int) -> int:
    """The owner's balance: the sum of their ledger."""
    return session.scalar(BALANCE, {"user_id": user_id})


def points_history(session: Session, user_id: int, limit: int = 20) -> list[Row]:
    """The owner's latest ledger lines (id, points, reason, when, key), newest first."""
    return list(page_rows(session, HISTORY, {"user_id": user_id, "limit": limit}))


def referral_points(session: Session, user_id: int, referral_id: int) -> list[PointsEntry]:
    """The owner's ledger lines earned by one referral, oldest first."""
    return list(
        session.scalars(
            select(PointsEntry)
            .where(PointsEntry.user_id == user_id, PointsEntry.referral_id == referral_id)
            .order_by(PointsEntry.created_at, PointsEntry.id)
        )
    )
