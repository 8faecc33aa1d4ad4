"""Coordinators' registration questions: what an event asks at RSVP, in order, and whether
owners name their guests. Every change is audited."""

from flask import abort, flash, request

from portal import clock
from portal.events import question_queries
from portal.events.models import Event
from portal.events.question_forms import GuestNamesForm, QuestionEditForm, QuestionForm
from portal.events.question_models import EventQuestion
from portal.events.services import questions as services
from portal.extensions import db
from portal.forms import EmptyForm
from portal.web import admin_bp as bp
from portal.web import audit, forms_page, perform, see_other, snapshot

#: What a question's audit entries record.
AUDITED = ("label", "kind", "required", "options", "position", "retired_at")


def _question_or_404(event_id: int, question_id: int) -> EventQuestion:
    question = db.session.get(EventQuestion, question_id)
    if question is None or question.event_id != event_id:
        abort(404)
    return question


def _questions_page(event: Event, add_form=None, names_form=None):
    """The event's questions page, with any form that needs another look (422)."""
    return forms_page(
        "admin/events/questions.html",
        event=event,
        questions=question_queries.event_questions(db.session, event.id, include_retired=True),
        counts=question_queries.answer_counts(db.session, event.id),
        add_form=add_form or QuestionForm(formdata=None),
        names_form=names_form or GuestNamesForm(formdata=None, obj=event),
        form=EmptyForm(),
    )


def _audited(change, action: str, form=None, before: dict | None = None):
    """Run a change to a question with an audit entry; flash what it did."""
    outcome = perform(
        change,
        form,
        then=lambda done: audit(
            action,
            "event_question",
            done.question.id,
            f"{done.message} (event {done.question.event_id})",
            before=before,
            after=snapshot(done.question, AUDITED),
        ),
    )
    if outcome.ok:
        flash(outcome.value.message, "success")
    return outcome


def _add(event: Event, form: QuestionForm):
    return services.add_question(
        db.session,
        event,
        kind=form.kind.data,
        label=form.label.data,
        required=form.required.data,
        options_text=form.options.data or "",
    )


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
def events_questions(event_id: int):
    """What the event asks owners at RSVP; a new question is added at the end."""
    event = db.get_or_404(Event, event_id)
    form = QuestionForm() if request.method == "POST" else None
    added = form is not None and form.validate_on_submit()
    if added and _audited(lambda: _add(event, form), "event.question.add", form).ok:
        return see_other("admin.events_questions", event_id=event_id)
    return _questions_page(event, add_form=form)


def _edit_form(question: EventQuestion) -> QuestionEditForm:
    form = QuestionEditForm(obj=question)
    if request.method == "GET":
        form.options.data = "\n".join(question.options or [])
    return form


@bp.route("/events/<int:event_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def events_question_edit(event_id: int, question_id: int):
    """Reword a question, make it required or not, change a choice's options."""
    question = _question_or_404(event_id, question_id)
    form = _edit_form(question)
    if form.validate_on_submit():
        before = snapshot(question, AUDITED)
        change = lambda: services.update_question(  # noqa: E731
            db.session,
            question,
            label=form.label.data,
            required=form.required.data,
            options_text=form.options.data or "",
        )
        if _audited(change, "event.question.update", form, before).ok:
            return see_other("admin.events_questions", event_id=event_id)
    counts = question_queries.answer_counts(db.session, event_id)
    return forms_page(
        "admin/events/question_edit.html",
        event=question.event,
        question=question,
        answers=counts.get(question.id, 0),
        form=form,
    )


#: A question's one-button actions: (service call, audit action).
_ACTIONS = {
    "remove": (lambda question, now: services.remove_question(db.session, question, now), "remove"),
    "restore": (lambda question, now: services.restore_question(db.session, question), "restore"),
    "up": (lambda question, now: services.move_question(db.session, question, -1), "move"),
    "down": (lambda question, now: services.move_question(db.session, question, 1), "move"),
}


@bp.post("/events/<int:event_id>/questions/<int:question_id>/<action>")
def events_question_action(event_id: int, question_id: int, action: str):
    """Remove (answers kept when there are any), restore, or move a question."""
    question = _question_or_404(event_id, question_id)
    if action not in _ACTIONS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    change, audit_action = _ACTIONS[action]
    before = snapshot(question, AUDITED)
    _audited(lambda: change(question, clock.now()), f"event.question.{audit_action}", None, before)
    return see_other("admin.events_questions", event_id=event_id)


@bp.post("/events/<int:event_id>/guest-names")
def events_guest_names(event_id: int):
    """Ask owners bringing guests for each guest's name, or stop asking."""
    event = db.get_or_404(Event, event_id)
    form = GuestNamesForm()
    if not form.validate_on_submit():
        abort(400)
    before = {"ask_guest_names": event.ask_guest_names}
    outcome = perform(
        lambda: services.set_ask_guest_names(db.session, event, form.ask_guest_names.data),
        then=lambda message: audit(
            "event.update",
            "event",
            event.id,
            f"Guest names for “{event.title}”: {message}",
            before=before,
            after={"ask_guest_names": event.ask_guest_names},
        ),
    )
    if outcome.ok:
        flash(outcome.value, "success")
    return see_other("admin.events_questions", event_id=event_id)
