"""The points ledger's table."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import IdMixin, user_fk, utcnow


class PointsEntry(IdMixin, db.Model):
    """One line of the append-only points ledger; a balance is the sum of a user's lines."""

    __tablename__ = "points_entries"
    __table_args__ = (
        # A unique index (not a table constraint) so it has a name on both databases.
        Index("uq_points_entries_idempotency_key", "idempotency_key", unique=True),
    )

    user_id: Mapped[int] = user_fk(index=True)
    #: Positive for an award, negative for a redemption.
    points: Mapped[int]
    #: What the owner reads in their history ("Priya's test drive").
    reason: Mapped[str] = mapped_column(String(200))
    #: Unique per award, e.g. "referral:12:stage:purchased"; inserting it twice does nothing.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemptions.id", ondelete="SET NULL")
    )
