"""Changes to the ledger: awards under a unique key, appended once, and their reversals."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.points.models import PointsEntry


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


def reverse_points(session: Session, *, idempotency_key: str, reason: str, now: datetime) -> bool:
    """Cancel the line appended under `idempotency_key` with an opposite line, appended once.

    The ledger is never edited: the reversal is a line of its own, under the original key
    with ":reversed" added, so reversing twice appends one line. Nothing to reverse (no such
    line, or zero points) appends nothing; True when a line was appended.
    """
    original = session.execute(
        select(PointsEntry.user_id, PointsEntry.points).where(
            PointsEntry.idempotency_key == idempotency_key
        )
    ).first()
    if original is None or original.points == 0:
        return False
    return award_points(
        session,
        user_id=original.user_id,
        points=-original.points,
        idempotency_key=f"{idempotency_key}:reversed",
        reason=reason,
        now=now,
    )
