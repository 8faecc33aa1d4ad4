"""The rewards catalogue and owners' redemptions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.events.models import Event, Rsvp
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk, utcnow


class Category(StrEnum):
    """The four kinds of thanks the catalogue offers."""

    TRANSACTIONAL = "transactional"
    EXPERIENTIAL = "experiential"
    RECOGNITION = "recognition"
    ALTRUISTIC = "altruistic"


CATEGORY_LABELS = {
    Category.TRANSACTIONAL: "Credit and coupons",
    Category.EXPERIENTIAL: "Experiences",
    Category.RECOGNITION: "Recognition",
    Category.ALTRUISTIC: "Give it forward",
}


class RedemptionStatus(StrEnum):
    """A redemption waits for a coordinator, who fulfils or declines it."""

    PENDING = "pending"
    FULFILLED = "fulfilled"
    DECLINED = "declined"


class Reward(IdMixin, TimestampMixin, db.Model):
    """Something an owner can redeem points for."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
    )

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))
    points_cost: Mapped[int]
    #: The tier level an owner needs (0 = every member).
    min_tier: Mapped[int] = mapped_column(default=0)
    #: How many are left; None means unlimited.
    stock: Mapped[int | None]
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    #: Coordinators retire a reward instead of deleting it (redemptions keep pointing at it).
    is_active: Mapped[bool] = mapped_column(default=True)
    #: For an experiential reward: the event it gives a seat at. Redeeming holds the seat
    #: (portal/events/services/reward_seats.py) and issues the ticket at once. Events are
    #: cancelled, never deleted, so the link needs no ON DELETE action.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))

    event: Mapped[Event | None] = relationship()

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[Category(self.category)]

    def is_available(self, now: datetime) -> bool:
        """Active and inside its window (stock and tier are checked separately)."""
        if not self.is_active:
            return False
        if self.available_from is not None and now < self.available_from:
            return False
        return self.available_until is None or now < self.available_until


class Redemption(IdMixin, db.Model):
    """An owner's request for a reward, pending until a coordinator fulfils or declines it."""

    __tablename__ = "redemptions"
    __table_args__ = (
        # The staff list: one status, by date or by points.
        Index("ix_redemptions_status_created_at", "status", "created_at", "id"),
        Index("ix_redemptions_status_points", "status", "points", "id"),
        Index("ix_redemptions_drive_id", "drive_id"),
        Index("uq_redemptions_request_token", "request_token", unique=True),
    )

    user_id: Mapped[int] = user_fk(index=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="RESTRICT"))
    #: The cost when redeemed (the catalogue price may change later).
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=RedemptionStatus.PENDING)
    #: For altruistic rewards: the name of the drive the owner gave to, kept for history
    #: (earlier redemptions hold the free-text cause owners typed).
    cause: Mapped[str | None] = mapped_column(String(200))
    #: For altruistic rewards: the charity drive the points were donated to.
    drive_id: Mapped[int | None] = mapped_column(
        ForeignKey("charity_drives.id", ondelete="SET NULL")
    )
    #: The redeem form's one-time token: a double-submitted form finds this redemption
    #: instead of making a second one.
    request_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = optional_user_fk()
    fulfilled_on: Mapped[date | None]
    #: The coordinator's note to the owner (what was arranged, or why it was declined).
    staff_note: Mapped[str | None] = mapped_column(Text)
    #: For a seat reward: the owner's RSVP that holds the seat.
    rsvp_id: Mapped[int | None] = mapped_column(ForeignKey("rsvps.id"))
    #: What that RSVP was before the reward (None: no RSVP or a cancelled one; "waitlisted";
    #: "confirmed": upgraded without a second seat), so declining puts it back as it was.
    rsvp_was: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reward: Mapped[Reward] = relationship()
    rsvp: Mapped[Rsvp | None] = relationship()
