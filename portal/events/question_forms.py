"""Forms for registration questions: staff's question editor and the owner's answers, whose
fields are made from the event's questions."""

from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.events.forms import GuestsForm
from portal.events.question_models import QUESTION_KIND_LABELS, EventQuestion, QuestionKind
from portal.events.question_queries import Registration
from portal.events.question_rules import (
    ANSWER_MAX,
    GUEST_NAME_MAX,
    LABEL_MAX,
    YES_NO_OPTIONS,
    answer_problem,
    asks_guest_names,
    clean_answer,
    guest_field,
    guest_names_problems,
)
from portal.forms import PortalForm

#: A whole options list, however long, stays well under this.
OPTIONS_TEXT_MAX = 5000


class QuestionEditForm(PortalForm):
    """A question's words, whether it must be answered, and a choice's options."""

    label = StringField("Question", validators=[DataRequired(), Length(max=LABEL_MAX)])
    required = BooleanField("Owners must answer it")
    options = TextAreaField(
        "Options",
        validators=[Optional(), Length(max=OPTIONS_TEXT_MAX)],
    )


class QuestionForm(QuestionEditForm):
    """A new question for the event's RSVP form."""

    kind = SelectField(
        "Answered with",
        choices=[SelectChoice(kind.value, label) for kind, label in QUESTION_KIND_LABELS.items()],
    )


class GuestNamesForm(PortalForm):
    """Whether owners bringing guests name each one."""

    ask_guest_names = BooleanField("Ask owners for each guest's name")


def _answer_field(question: EventQuestion):
    """The form field for one question; the rules check the answer itself."""
    label = question.label if question.required else f"{question.label} (optional)"
    if question.kind == QuestionKind.TEXT:
        return StringField(label, validators=[Length(max=ANSWER_MAX)])
    options = YES_NO_OPTIONS if question.kind == QuestionKind.YES_NO else question.options
    choices = [SelectChoice(option, option) for option in options]
    if question.kind == QuestionKind.YES_NO:
        return RadioField(label, choices=choices, validate_choice=False)
    return SelectField(
        label, choices=[SelectChoice("", "Choose…"), *choices], validate_choice=False
    )


def answers_form(registration: Registration, guest_slots: int, *, with_guests: bool, **data):
    """A form asking the event's questions (and up to `guest_slots` guests' names).

    `with_guests`: the RSVP form, which also asks how many guests come; otherwise the form
    that changes answers later. `data` fills it (an owner's earlier answers).
    """
    base = GuestsForm if with_guests else PortalForm
    fields = {question.field_name: _answer_field(question) for question in registration.questions}
    if asks_guest_names(registration.event):
        for position in range(1, guest_slots + 1):
            fields[guest_field(position)] = StringField(
                f"Guest {position}'s name", validators=[Length(max=GUEST_NAME_MAX)]
            )
    # Most events ask nothing: their form is the base form itself, whose fields WTForms has
    # already gathered, rather than a new class to gather them for on every request.
    form_class = type("AnswersForm", (base,), fields) if fields else base
    return form_class(**data)


def earlier_answers(registration: Registration) -> dict[str, str]:
    """An owner's answers as form data, to fill the form they change them with."""
    data = {
        question.field_name: registration.answers.get(question.id, "")
        for question in registration.questions
    }
    for position, name in enumerate(registration.guest_names, start=1):
        data[guest_field(position)] = name
    return data


def submitted(form, registration: Registration, guests: int) -> tuple[dict[int, str], list[str]]:
    """The answers and guests' names the form carries."""
    answers = {
        question.id: form[question.field_name].data or "" for question in registration.questions
    }
    names = [
        (form[guest_field(position)].data or "") if guest_field(position) in form else ""
        for position in range(1, guests + 1)
    ]
    return answers, names


def check_answers(form, registration: Registration, guests: int) -> bool:
    """Put each rule the answers break next to its field; True when there is none."""
    answers, names = submitted(form, registration, guests)
    problems = [
        answer_problem(question, clean_answer(answers[question.id]))
        for question in registration.questions
    ]
    if asks_guest_names(registration.event):
        problems += guest_names_problems([clean_answer(name) for name in names], guests)
    for problem in filter(None, problems):
        if problem.field in form and not form[problem.field].errors:
            form[problem.field].errors = [*form[problem.field].errors, problem.message]
    return not any(filter(None, problems))
