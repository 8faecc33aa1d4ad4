"""Registration questions: what an event asks at RSVP, and each owner's answers.

Answers are kept as the owner gave them. A question staff remove after people answered it
is retired rather than deleted, and a choice keeps the option's words, so an option that
is later renamed or dropped never changes what someone said.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.events.models import Event, Rsvp
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin


class QuestionKind(StrEnum):
    """How a question is answered."""

    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"


QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: "Short text",
    QuestionKind.CHOICE: "Choice from a list",
    QuestionKind.YES_NO: "Yes or no",
}


class EventQuestion(IdMixin, TimestampMixin, db.Model):
    """One question an event asks each owner who RSVPs."""

    __tablename__ = "event_questions"
    __table_args__ = (Index("ix_event_questions_event_position", "event_id", "position", "id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Order on the form: lower first.
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a choice question, in order (an empty list for other kinds).
    options: Mapped[list] = mapped_column(JSON, default=list)
    #: Set when staff removed a question people had answered: no longer asked, answers kept.
    retired_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()

    @property
    def kind_label(self) -> str:
        return QUESTION_KIND_LABELS.get(self.kind, self.kind)

    @property
    def field_name(self) -> str:
        """The form field that carries this question's answer."""
        return f"q_{self.id}"

    def __repr__(self) -> str:
        return f"<EventQuestion {self.id} event={self.event_id} {self.label!r}>"


class RsvpAnswer(IdMixin, TimestampMixin, db.Model):
    """An owner's answer to one question, in their words (a choice: the option's words)."""

    __tablename__ = "rsvp_answers"
    __table_args__ = (UniqueConstraint("rsvp_id", "question_id"),)

    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("event_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)

    rsvp: Mapped[Rsvp] = relationship()
    question: Mapped[EventQuestion] = relationship()


class RsvpGuestName(IdMixin, TimestampMixin, db.Model):
    """The name of one guest an owner brings, when the event asks for guest names."""

    __tablename__ = "rsvp_guest_names"
    __table_args__ = (UniqueConstraint("rsvp_id", "position"),)

    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"))
    #: 1 for the first guest, 2 for the second…
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
