"""The append-only points ledger: awards under a unique key, balances as sums."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.rewards.models import PointsEntry


def award_points(
    session: Session,
    *,
    user_id: int,
    points: int,
    idempotency_key: str,
    reason: str,
    now: datetime,
    referral_id: int | None = None,
    redemption_id: int | None = None,
) -> bool:
    """Append one ledger line unless `idempotency_key` was used before; True when appended.

    INSERT ... ON CONFLICT DO NOTHING under the unique key: concurrent calls with the same
    key, from any process or host, append exactly one line.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(PointsEntry)
        .values(
            user_id=user_id,
            points=points,
            reason=reason[:200],
            idempotency_key=idempotency_key,
            created_at=now,
            referral_id=referral_id,
            redemption_id=redemption_id,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(PointsEntry.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def points_balance(session: Session, user_id: int) -> int:
    """The owner's balance: the sum of their ledger."""
    return session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(PointsEntry.user_id == user_id)
    )


def points_history(session: Session, user_id: int, limit: int = 20) -> list[PointsEntry]:
    """The owner's latest ledger lines, newest first."""
    return list(
        session.scalars(
            select(PointsEntry)
            .where(PointsEntry.user_id == user_id)
            .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
            .limit(limit)
        )
    )


def referral_points(session: Session, user_id: int, referral_id: int) -> list[PointsEntry]:
    """The owner's ledger lines earned by one referral, oldest first."""
    return list(
        session.scalars(
            select(PointsEntry)
            .where(PointsEntry.user_id == user_id, PointsEntry.referral_id == referral_id)
            .order_by(PointsEntry.created_at, PointsEntry.id)
        )
    )
