"""Charity drives and the contributions owners (and the rewards programme) make to them."""

from datetime import date, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, utcnow


class DriveStatus(StrEnum):
    """Where a drive is in its life: prepared, taking pledges, finished."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class GoalKind(StrEnum):
    """What a drive collects: money (stored in cents) or items (e.g. toys, coats)."""

    MONEY = "money"
    ITEMS = "items"


class ContributionKind(StrEnum):
    """How a contribution came in."""

    PLEDGE = "pledge"  # an owner's pledge of money or items
    POINTS = "points"  # reward points an owner donated, converted at the dealership's rate


class Drive(IdMixin, TimestampMixin, db.Model):
    """A charity drive the dealership runs with its owners."""

    __tablename__ = "charity_drives"
    __table_args__ = (Index("ix_charity_drives_status_ends_on", "status", "ends_on"),)

    name: Mapped[str] = mapped_column(String(120))
    #: The charity that receives what the drive collects.
    beneficiary_name: Mapped[str] = mapped_column(String(120))
    beneficiary_description: Mapped[str | None] = mapped_column(String(300))
    #: An http(s) address only; checked by the form and again before it is shown.
    beneficiary_url: Mapped[str | None] = mapped_column(String(500))
    #: Plain text; paragraphs separated by blank lines.
    story: Mapped[str] = mapped_column(Text, default="")
    goal_kind: Mapped[str] = mapped_column(String(8), default=GoalKind.MONEY)
    #: Cents for money drives, a count for item drives.
    goal_amount: Mapped[int]
    #: What the items are called, plural ("toys"); item drives only.
    unit_label: Mapped[str | None] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default=DriveStatus.DRAFT)
    #: The dealership matches owners' pledges at this many percent (100 = 1:1; 0 = none).
    match_percent: Mapped[int] = mapped_column(default=0)
    #: The most the match adds, in the goal's unit (cents or items); None means no cap.
    match_cap: Mapped[int | None]
    #: Reward points that make one item, for item drives that accept points.
    points_per_item: Mapped[int | None]
    #: Random file name under the instance folder, and its checked content type.
    cover_filename: Mapped[str | None] = mapped_column(String(64))
    cover_content_type: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    @property
    def beneficiary_link(self) -> str | None:
        """The charity's address, only when it is a plain http(s) link."""
        return self.beneficiary_url if is_web_url(self.beneficiary_url) else None

    @property
    def is_money(self) -> bool:
        return self.goal_kind == GoalKind.MONEY

    @property
    def is_open(self) -> bool:
        return self.status == DriveStatus.OPEN

    def format_amount(self, value: int) -> str:
        """A value in the drive's unit as people read it: '$1,250', '$12.50', '340 toys'."""
        return amount_words(value, self.goal_kind, self.unit_label)


class Contribution(IdMixin, db.Model):
    """One pledge or points donation; drive totals are always sums over these rows."""

    __tablename__ = "charity_contributions"
    __table_args__ = (
        Index("ix_charity_contributions_drive_created", "drive_id", "created_at"),
        Index(
            "uq_charity_contributions_user_request_token",
            "user_id",
            "request_token",
            unique=True,
        ),
    )

    drive_id: Mapped[int] = mapped_column(ForeignKey("charity_drives.id", ondelete="CASCADE"))
    #: Who gave; kept NULL if the account is ever deleted so the total still adds up.
    user_id: Mapped[int | None] = optional_user_fk(index=True)
    kind: Mapped[str] = mapped_column(String(8), default=ContributionKind.PLEDGE)
    #: In the drive's unit: cents or items.
    amount: Mapped[int]
    #: For points donations: how many points the owner gave.
    points: Mapped[int | None]
    #: Up to 500 characters from the owner; always shown escaped.
    message: Mapped[str | None] = mapped_column(String(500))
    #: The owner chose to appear on the honour roll by name (otherwise counted anonymously).
    show_name: Mapped[bool] = mapped_column(default=False)
    #: When the money or items reached the dealership; points arrive at once.
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = optional_user_fk()
    #: Unique per donation from another system (rewards); inserting it claims it.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: The pledge form's one-time token: a double-submitted form finds this pledge again
    #: instead of making a second one (unique per owner).
    request_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    drive: Mapped[Drive] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def is_received(self) -> bool:
        return self.received_at is not None


class DriveTally(db.Model):
    """A drive's running totals, changed with every contribution (`charity/tally.py`).

    The contributions stay the record; this row saves every page from summing them again.
    Each change adds to it in one atomic statement in the contribution's own transaction,
    and `flask charity recount` rebuilds it from the contributions.
    """

    __tablename__ = "charity_drive_tallies"

    drive_id: Mapped[int] = mapped_column(
        ForeignKey("charity_drives.id", ondelete="CASCADE"), primary_key=True
    )
    #: Owners' pledges, received or not, and the received part (the drive's unit).
    owners_pledged: Mapped[int] = mapped_column(default=0)
    owners_received: Mapped[int] = mapped_column(default=0)
    #: What donated points are worth, net of reversals.
    points_value: Mapped[int] = mapped_column(default=0)
    #: Owners whose net gift is above zero (a reversed gift no longer counts).
    participants: Mapped[int] = mapped_column(default=0)
    #: Contribution rows, reversals included.
    contributions: Mapped[int] = mapped_column(default=0)


class GiverTally(db.Model):
    """What one owner has given a drive, net: whether they count among its participants."""

    __tablename__ = "charity_giver_tallies"

    drive_id: Mapped[int] = mapped_column(
        ForeignKey("charity_drives.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    given: Mapped[int] = mapped_column(default=0)


class DriveEvent(db.Model):
    """An event that is part of a drive (a charity car wash, a toy drop-off day)."""

    __tablename__ = "drive_events"
    __table_args__ = (Index("ix_drive_events_event_id", "event_id"),)

    #: The pair is the primary key: an event is linked to a drive once.
    drive_id: Mapped[int] = mapped_column(
        ForeignKey("charity_drives.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )


def amount_words(value: int, goal_kind: str, unit_label: str | None) -> str:
    """A value in a drive's unit as people read it: '$1,250', '$12.50', '340 toys' (for a
    drive read as columns; `Drive.format_amount` for a drive object)."""
    if value < 0:
        return "−" + amount_words(-value, goal_kind, unit_label)
    if goal_kind == GoalKind.MONEY:
        dollars, cents = divmod(value, 100)
        return f"${dollars:,}" if not cents else f"${dollars:,}.{cents:02d}"
    label = unit_label or "items"
    if value == 1 and label.endswith("s") and not label.endswith("ss"):
        label = label[:-1]
    return f"{value:,} {label}"


def is_web_url(url: str | None) -> bool:
    """True only for an absolute http(s) address with a host (no javascript:, data:, ...)."""
    if not url or any(ch in url for ch in " \t\r\n\\"):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
