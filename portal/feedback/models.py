"""The question asked after each dealership visit, its answer, and follow-ups of low scores."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.garage.models import ServiceRecord
from portal.models import IdMixin, optional_user_fk, user_fk


class Survey(IdMixin, db.Model):
    """ "How did it go?" for one dealership visit: asked once, answered (1-5) at most once.

    The row is written when the question goes out, so a visit is asked about once however
    often the job runs; the answer fills it in and may be changed for a few days.
    """

    __tablename__ = "feedback_surveys"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_range"),
    )

    #: One survey per visit: the unique key is the claim that asks exactly once.
    service_record_id: Mapped[int] = mapped_column(
        ForeignKey("service_records.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[int] = user_fk(index=True)
    #: SHA-256 of the link's token (128 bits from `secrets`): the link answers this survey only.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime]
    #: 1 (poor) to 5 (excellent); None until the owner answers.
    score: Mapped[int | None]
    #: Plain text, shown escaped.
    comment: Mapped[str | None] = mapped_column(Text)
    #: When the owner first answered (an answer may be changed for a while after).
    answered_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()
    visit: Mapped[ServiceRecord] = relationship()


class FollowUpStatus(StrEnum):
    """Whether the service manager has dealt with a low score."""

    OPEN = "open"
    CLOSED = "closed"


class FollowUp(IdMixin, db.Model):
    """A task for the service manager: an owner scored a visit low."""

    __tablename__ = "feedback_follow_ups"
    __table_args__ = (Index("ix_feedback_follow_ups_status_opened", "status", "opened_at", "id"),)

    #: One follow-up per survey, however often or concurrently it is answered low.
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_surveys.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[int] = user_fk(index=True)
    service_record_id: Mapped[int] = mapped_column(
        ForeignKey("service_records.id", ondelete="CASCADE")
    )
    #: The score and comment that opened it.
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.OPEN)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = optional_user_fk()
    #: What the team did about it, written when closing.
    note: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    visit: Mapped[ServiceRecord] = relationship()
    survey: Mapped[Survey] = relationship()
