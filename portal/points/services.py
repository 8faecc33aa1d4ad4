"""Changes to the ledger: awards under a unique key, appended once."""

from datetime import datetime

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
