"""Registration questions' rules: what a valid question and a valid answer are, and until
when an owner may change their answers. Pure: no database, no request."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.question_models import EventQuestion, QuestionKind
from portal.events.rules import rsvp_closes_at

#: Questions one event may ask.
MAX_QUESTIONS = 20
#: Longest question, option and short-text answer, in characters.
LABEL_MAX = 200
OPTION_MAX = 100
MAX_OPTIONS = 30
ANSWER_MAX = 300
GUEST_NAME_MAX = 120

YES, NO = "Yes", "No"
YES_NO_OPTIONS = (YES, NO)


@dataclass(frozen=True)
class Problem:
    """Something wrong with an answer: the form field it belongs next to, and why."""

    field: str
    message: str


def clean_options(text: str) -> list[str]:
    """A choice question's options, one a line: trimmed, blanks and repeats dropped."""
    options: list[str] = []
    for line in text.splitlines():
        option = " ".join(line.split())
        if option and option not in options:
            options.append(option)
    return options


def question_problem(kind: str, label: str, options: Sequence[str]) -> Problem | None:
    """Why a question as staff entered it cannot be asked; None when it can."""
    if kind not in set(QuestionKind):
        return Problem("kind", "Choose what sort of answer the question takes.")
    if not label.strip():
        return Problem("label", "Write the question owners will read.")
    if len(label) > LABEL_MAX:
        return Problem("label", f"Keep the question under {LABEL_MAX} characters.")
    if kind != QuestionKind.CHOICE:
        return None
    if len(options) < 2:
        return Problem("options", "A choice needs at least two options, one on each line.")
    if len(options) > MAX_OPTIONS:
        return Problem("options", f"Offer at most {MAX_OPTIONS} options.")
    if any(len(option) > OPTION_MAX for option in options):
        return Problem("options", f"Keep each option under {OPTION_MAX} characters.")
    return None


def choices_of(question: EventQuestion) -> tuple[str, ...]:
    """The answers a choice or yes/no question accepts, in order."""
    if question.kind == QuestionKind.YES_NO:
        return YES_NO_OPTIONS
    if question.kind == QuestionKind.CHOICE:
        return tuple(question.options or ())
    return ()


def clean_answer(raw: str | None) -> str:
    """An answer as stored: inner runs of spaces kept as one, ends trimmed."""
    return " ".join((raw or "").split())


def answer_problem(question: EventQuestion, value: str) -> Problem | None:
    """Why this (cleaned) answer cannot be saved; None when it can. Empty means unanswered."""
    field = question.field_name
    if not value:
        if question.required:
            return Problem(field, "Please answer this question; the team needs it.")
        return None
    if question.kind == QuestionKind.TEXT:
        if len(value) > ANSWER_MAX:
            return Problem(field, f"Please keep this under {ANSWER_MAX} characters.")
        return None
    if value not in choices_of(question):
        return Problem(field, "Please pick one of the options listed.")
    return None


def guest_field(position: int) -> str:
    """The form field carrying the name of guest number `position` (from 1)."""
    return f"guest_name_{position}"


def guest_names_problems(names: Sequence[str], guests: int) -> list[Problem]:
    """Problems with the names given for `guests` guests (one name each is needed)."""
    problems = []
    for position in range(1, guests + 1):
        name = names[position - 1] if position <= len(names) else ""
        if not name:
            problems.append(
                Problem(guest_field(position), "Please give this guest's name, or bring fewer.")
            )
        elif len(name) > GUEST_NAME_MAX:
            problems.append(
                Problem(guest_field(position), f"Keep a name under {GUEST_NAME_MAX} characters.")
            )
    return problems


def asks_guest_names(event: Event) -> bool:
    """The event asks owners to name the guests they bring."""
    return bool(event.ask_guest_names and event.guests_allowed)


def answers_refusal(event: Event, rsvp: Rsvp, now: datetime) -> str | None:
    """Why the owner can no longer change their answers, in words for them; None if they can."""
    if event.is_cancelled:
        return "This event was cancelled, so its answers are kept as they were."
    if rsvp.status not in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED):
        return "Only an RSVP that stands can change its answers."
    if now >= rsvp_closes_at(event):
        return (
            "RSVPs have closed, so your answers are kept as they are. If something has "
            "changed, the team is happy to hear from you."
        )
    return None


def is_offered(question: EventQuestion, value: str) -> bool:
    """The stored answer is still one the question offers (always so for short text)."""
    return question.kind == QuestionKind.TEXT or value in choices_of(question)


def export_header(questions: Iterable[EventQuestion]) -> list[str]:
    """CSV column names for the questions, a removed one marked so."""
    return [
        f"{question.label} (removed)" if question.retired_at else question.label
        for question in questions
    ]
