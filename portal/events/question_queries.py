"""Registration questions' reads: an event's questions, one owner's answers, and every
attendee's answers for the staff list and its CSV, each in a fixed number of statements."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from portal.events.models import Event, Rsvp
from portal.events.question_models import EventQuestion, RsvpAnswer, RsvpGuestName
from portal.events.question_rules import asks_guest_names, export_header, is_offered

#: The CSV column holding guests' names.
GUEST_NAMES_COLUMN = "Guest names"


def _questions_statement(include_retired: bool):
    query = select(EventQuestion).where(EventQuestion.event_id == bindparam("event_id"))
    if not include_retired:
        query = query.where(EventQuestion.retired_at.is_(None))
    order = EventQuestion.retired_at.is_not(None)
    return query.order_by(order, EventQuestion.position, EventQuestion.id)


#: Built once, with and without removed questions: the staff list reads them on every page.
_QUESTIONS = {retired: _questions_statement(retired) for retired in (False, True)}


def event_questions(
    session: Session, event_id: int, include_retired: bool = False
) -> list[EventQuestion]:
    """The event's questions in form order (removed ones last, when asked for); one query."""
    return list(session.scalars(_QUESTIONS[include_retired], {"event_id": event_id}))


@dataclass
class Registration:
    """What an event asks and what one owner answered (nothing yet, before they RSVP)."""

    event: Event
    questions: list[EventQuestion]
    #: {question id: answer}, for the questions asked now.
    answers: dict[int, str] = field(default_factory=dict)
    guest_names: list[str] = field(default_factory=list)

    @property
    def asks_anything(self) -> bool:
        return bool(self.questions) or asks_guest_names(self.event)

    def lines(self, guests: int) -> list[tuple[str, str, bool]]:
        """(question, answer, still offered) for each question asked, then guests' names."""
        rows = [
            (
                question.label,
                self.answers.get(question.id, ""),
                is_offered(question, self.answers.get(question.id, "")),
            )
            for question in self.questions
        ]
        names = self.guest_names[:guests]
        if asks_guest_names(self.event) and guests:
            rows.append((GUEST_NAMES_COLUMN, ", ".join(names), True))
        return rows


def registration(
    session: Session, event: Event, rsvp: Rsvp | None, *, asks_questions: bool = True
) -> Registration:
    """The event's questions and, when there is an RSVP, its answers; three queries at most,
    and none for the questions when the caller knows the event asks none (`asks_questions`)."""
    questions = event_questions(session, event.id) if asks_questions else []
    if rsvp is None or rsvp.id is None or not (questions or asks_guest_names(event)):
        return Registration(event, questions)
    answers = dict(
        session.execute(
            select(RsvpAnswer.question_id, RsvpAnswer.value).where(RsvpAnswer.rsvp_id == rsvp.id)
        ).all()
    )
    names = list(
        session.scalars(
            select(RsvpGuestName.name)
            .where(RsvpGuestName.rsvp_id == rsvp.id)
            .order_by(RsvpGuestName.position)
        )
    )
    return Registration(event, questions, answers, names)


@dataclass
class AnswerSheet:
    """Every attendee's answers to one event, for the staff list and the CSV."""

    #: Questions asked now, then removed ones that still hold answers.
    questions: list[EventQuestion]
    answers: dict[int, dict[int, str]]
    guest_names: dict[int, list[str]]
    show_guest_names: bool

    def header(self) -> list[str]:
        """The CSV columns: one per question, then guests' names."""
        names = [GUEST_NAMES_COLUMN] if self.show_guest_names else []
        return [*export_header(self.questions), *names]

    def cells(self, rsvp: Rsvp) -> list[str]:
        """One attendee's CSV cells, in the order of `header`."""
        given = self.answers.get(rsvp.id, {})
        cells = [given.get(question.id, "") for question in self.questions]
        if self.show_guest_names:
            cells.append(", ".join(self.guest_names.get(rsvp.id, [])[: rsvp.guests]))
        return cells

    def lines(self, rsvp: Rsvp) -> list[tuple[str, str, str]]:
        """(question, answer, a note such as "removed") for each answer the attendee gave."""
        return self.lines_for(rsvp.id, rsvp.guests)

    def lines_for(self, rsvp_id: int, guests: int) -> list[tuple[str, str, str]]:
        """`lines` of the RSVP with this id, bringing this many guests."""
        given = self.answers.get(rsvp_id, {})
        rows = []
        for question in self.questions:
            value = given.get(question.id)
            if not value:
                continue
            note = "question removed" if question.retired_at else ""
            if not note and not is_offered(question, value):
                note = "no longer an option"
            rows.append((question.label, value, note))
        names = self.guest_names.get(rsvp_id, [])[:guests]
        if names:
            rows.append(("Guests", ", ".join(names), ""))
        return rows


_ANSWERS = (
    select(RsvpAnswer.rsvp_id, RsvpAnswer.question_id, RsvpAnswer.value)
    .join(Rsvp, Rsvp.id == RsvpAnswer.rsvp_id)
    .where(Rsvp.event_id == bindparam("event_id"))
)
_GUEST_NAMES = (
    select(RsvpGuestName.rsvp_id, RsvpGuestName.name)
    .join(Rsvp, Rsvp.id == RsvpGuestName.rsvp_id)
    .where(Rsvp.event_id == bindparam("event_id"))
    .order_by(RsvpGuestName.rsvp_id, RsvpGuestName.position)
)
#: Built once: the staff list and the door read the answers of the people they show.
_ANSWERS_OF = _ANSWERS.where(RsvpAnswer.rsvp_id.in_(bindparam("rsvp_ids", expanding=True)))
_GUEST_NAMES_OF = _GUEST_NAMES.where(
    RsvpGuestName.rsvp_id.in_(bindparam("guest_rsvp_ids", expanding=True))
)


class ShownRsvp(Protocol):
    """What `answer_sheet` reads of an RSVP a page shows (an `Rsvp` or a list's row)."""

    @property
    def id(self) -> int: ...

    @property
    def guests(self) -> int: ...


def answer_sheet(
    session: Session,
    event: Event,
    shown: Iterable[ShownRsvp] | None = None,
    *,
    has_questions: bool = True,
) -> AnswerSheet:
    """Answers of the event's attendees (or only of the RSVPs a page `shown`); three queries
    at most, one when the event asks no question and nobody shown brings a guest, and none
    when the caller knows it never had one (`has_questions=False`) and nobody brings a guest."""
    questions = event_questions(session, event.id, include_retired=True) if has_questions else []
    values: dict = {"event_id": event.id}
    answer_query, name_query = _ANSWERS, _GUEST_NAMES
    # An answer belongs to a question: an event that never asked one has none to read.
    asks = bool(questions)
    # A page shows the names of as many guests as an RSVP brings (`lines`): none, none to read.
    names_wanted = True
    if shown is not None:
        shown = list(shown)
        values["rsvp_ids"] = [rsvp.id for rsvp in shown]
        values["guest_rsvp_ids"] = [rsvp.id for rsvp in shown if rsvp.guests]
        answer_query, name_query = _ANSWERS_OF, _GUEST_NAMES_OF
        asks = asks and bool(values["rsvp_ids"])
        names_wanted = bool(values["guest_rsvp_ids"])
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    for rsvp_id, question_id, value in session.execute(answer_query, values) if asks else ():
        answers[rsvp_id][question_id] = value
    names: dict[int, list[str]] = defaultdict(list)
    for rsvp_id, name in session.execute(name_query, values) if names_wanted else ():
        names[rsvp_id].append(name)
    answered = {question_id for given in answers.values() for question_id in given}
    shown_questions = [q for q in questions if q.retired_at is None or q.id in answered]
    return AnswerSheet(
        shown_questions, dict(answers), dict(names), asks_guest_names(event) or bool(names)
    )


def answer_counts(session: Session, event_id: int) -> dict[int, int]:
    """{question id: answers given} for the event's questions; one query."""
    rows = session.execute(
        select(RsvpAnswer.question_id, func.count())
        .join(EventQuestion, EventQuestion.id == RsvpAnswer.question_id)
        .where(EventQuestion.event_id == event_id)
        .group_by(RsvpAnswer.question_id)
    )
    return dict(rows.all())
