"""Registration questions: staff define what an event asks; owners' answers are saved.

Answers are never lost without a word: removing a question people answered retires it (its
answers stay in the attendee list and the CSV, marked removed), and changing a choice's
options keeps every answer's words, saying how many no longer match an option.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.errors import ServiceError
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.question_models import EventQuestion, QuestionKind, RsvpAnswer, RsvpGuestName
from portal.events.question_rules import (
    MAX_QUESTIONS,
    answer_problem,
    answers_refusal,
    asks_guest_names,
    clean_answer,
    clean_options,
    guest_names_problems,
    question_problem,
)
from portal.events.services.rsvps import lock_rsvp

#: RSVPs whose owners may still answer.
ANSWERING = (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)


@dataclass
class QuestionChange:
    """What a change to a question did, in a sentence for the coordinator."""

    question: EventQuestion
    message: str


def _live_questions(session: Session, event_id: int) -> list[EventQuestion]:
    return list(
        session.scalars(
            select(EventQuestion)
            .where(EventQuestion.event_id == event_id, EventQuestion.retired_at.is_(None))
            .order_by(EventQuestion.position, EventQuestion.id)
        )
    )


def _check_question(kind: str, label: str, options: list[str]) -> None:
    problem = question_problem(kind, label, options)
    if problem:
        raise ServiceError(problem.message, field=problem.field)


def _answer_count(session: Session, question_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(RsvpAnswer).where(RsvpAnswer.question_id == question_id)
    )


def add_question(
    session: Session,
    event: Event,
    *,
    kind: str,
    label: str,
    required: bool,
    options_text: str,
) -> QuestionChange:
    """Ask a new question at the end of the event's form."""
    label = " ".join(label.split())
    options = clean_options(options_text) if kind == QuestionKind.CHOICE else []
    _check_question(kind, label, options)
    live = _live_questions(session, event.id)
    if len(live) >= MAX_QUESTIONS:
        raise ServiceError(f"An event asks at most {MAX_QUESTIONS} questions.")
    question = EventQuestion(
        event_id=event.id,
        kind=kind,
        label=label,
        required=required,
        options=options,
        position=(live[-1].position + 1) if live else 1,
    )
    session.add(question)
    session.flush()
    answering = session.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status.in_(ANSWERING))
    )
    message = f"Added “{label}”."
    if answering:
        message += " Owners who already RSVPed can add their answer from the event page."
    return QuestionChange(question, message)


def update_question(
    session: Session, question: EventQuestion, *, label: str, required: bool, options_text: str
) -> QuestionChange:
    """Reword a question, make it required or not, change a choice's options.

    Answers keep their words: those naming an option that is no longer offered are counted
    in the message and marked on the attendee list.
    """
    if question.retired_at is not None:
        raise ServiceError("This question was removed; restore it before changing it.")
    label = " ".join(label.split())
    options = clean_options(options_text) if question.kind == QuestionKind.CHOICE else []
    _check_question(question.kind, label, options)
    question.label, question.required, question.options = label, required, options
    session.flush()
    message = f"Saved “{label}”."
    if question.kind == QuestionKind.CHOICE:
        stranded = session.scalar(
            select(func.count())
            .select_from(RsvpAnswer)
            .where(RsvpAnswer.question_id == question.id, RsvpAnswer.value.not_in(options))
        )
        if stranded:
            message += (
                f" {stranded} earlier answer{' names' if stranded == 1 else 's name'} an option "
                "no longer offered; kept as given and marked “no longer an option”."
            )
    return QuestionChange(question, message)


def remove_question(session: Session, question: EventQuestion, now: datetime) -> QuestionChange:
    """Stop asking a question: deleted if nobody answered it, otherwise retired with its
    answers kept."""
    answers = _answer_count(session, question.id)
    if not answers:
        session.delete(question)
        session.flush()
        return QuestionChange(question, f"Removed “{question.label}”.")
    question.retired_at = question.retired_at or now
    session.flush()
    return QuestionChange(
        question,
        f"“{question.label}” is no longer asked. Its {answers} answer"
        f"{'' if answers == 1 else 's'} stay in the attendee list and the CSV, marked removed; "
        "you can restore it.",
    )


def restore_question(session: Session, question: EventQuestion) -> QuestionChange:
    """Ask a removed question again, at the end of the form, its answers as they were."""
    if question.retired_at is None:
        return QuestionChange(question, f"“{question.label}” is already asked.")
    live = _live_questions(session, question.event_id)
    if len(live) >= MAX_QUESTIONS:
        raise ServiceError(f"An event asks at most {MAX_QUESTIONS} questions.")
    question.retired_at = None
    question.position = (live[-1].position + 1) if live else 1
    session.flush()
    return QuestionChange(question, f"“{question.label}” is asked again.")


def move_question(session: Session, question: EventQuestion, step: int) -> QuestionChange:
    """Move a question one place up (step -1) or down (+1) the form."""
    live = _live_questions(session, question.event_id)
    ids = [each.id for each in live]
    if question.id not in ids:
        raise ServiceError("Only a question that is asked can be moved.")
    index = ids.index(question.id)
    target = index + (-1 if step < 0 else 1)
    if 0 <= target < len(live):
        live[index], live[target] = live[target], live[index]
    for position, each in enumerate(live, start=1):
        each.position = position
    session.flush()
    return QuestionChange(question, f"Moved “{question.label}”.")


def set_ask_guest_names(session: Session, event: Event, ask: bool) -> str:
    """Ask (or stop asking) owners to name the guests they bring."""
    event.ask_guest_names = ask
    session.flush()
    if not ask:
        return "Owners are no longer asked their guests' names; names given so far are kept."
    if not event.guests_allowed:
        return "Saved. Guest names are asked once the event allows guests."
    return "Owners bringing guests are now asked each guest's name."


# --- Owners' answers ----------------------------------------------------------------------


def _problems(
    event: Event,
    questions: Sequence[EventQuestion],
    answers: Mapping[int, str],
    names: list[str],
    guests: int,
):
    for question in questions:
        problem = answer_problem(question, answers.get(question.id, ""))
        if problem:
            yield problem
    if asks_guest_names(event):
        yield from guest_names_problems(names, guests)


def save_answers(
    session: Session,
    *,
    rsvp: Rsvp,
    answers: Mapping[int, str | None],
    guest_names: Sequence[str | None] = (),
) -> None:
    """Save the owner's answers to the event's questions (and guests' names) for this RSVP.

    Every question asked now is checked (a required one left blank is refused, a choice must
    be one of the options); a blank answer removes an earlier one. Answers to questions no
    longer asked are left as they were. Called in the RSVP's own transaction, so a refusal
    leaves no RSVP behind either.
    """
    event = rsvp.event
    questions = _live_questions(session, event.id)
    cleaned = {question.id: clean_answer(answers.get(question.id)) for question in questions}
    names = [clean_answer(name) for name in guest_names]
    problem = next(_problems(event, questions, cleaned, names, rsvp.guests), None)
    if problem:
        raise ServiceError(problem.message, field=problem.field)
    stored = {
        answer.question_id: answer
        for answer in session.scalars(select(RsvpAnswer).where(RsvpAnswer.rsvp_id == rsvp.id))
    }
    for question_id, value in cleaned.items():
        existing = stored.get(question_id)
        if value and existing is None:
            session.add(RsvpAnswer(rsvp_id=rsvp.id, question_id=question_id, value=value))
        elif value and existing.value != value:
            existing.value = value
        elif not value and existing is not None:
            session.delete(existing)
    if asks_guest_names(event):
        _save_guest_names(session, rsvp, names[: rsvp.guests])
    session.flush()


def _save_guest_names(session: Session, rsvp: Rsvp, names: list[str]) -> None:
    session.execute(delete(RsvpGuestName).where(RsvpGuestName.rsvp_id == rsvp.id))
    session.flush()
    for position, name in enumerate(names, start=1):
        session.add(RsvpGuestName(rsvp_id=rsvp.id, position=position, name=name))


def edit_answers(
    session: Session,
    *,
    rsvp: Rsvp,
    answers: Mapping[int, str | None],
    guest_names: Sequence[str | None] = (),
    now: datetime,
) -> str:
    """The owner changes their answers; refused once RSVPs have closed.

    The RSVP row is locked first (PostgreSQL), so a double-submitted form saves twice in turn
    rather than inserting the same answer twice.
    """
    rsvp = lock_rsvp(session, rsvp.id)
    refusal = answers_refusal(rsvp.event, rsvp, now)
    if refusal:
        raise ServiceError(refusal)
    save_answers(session, rsvp=rsvp, answers=answers, guest_names=guest_names)
    return "Thanks, your answers are saved. You can change them until RSVPs close."
