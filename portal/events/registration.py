"""Registration questions on the owner's side: the questions in the RSVP form, and the page
where an owner changes their answers until RSVPs close (read-only after)."""

from flask import flash, render_template, request
from flask_login import current_user, login_required

from portal import clock
from portal.events import bp, queries, question_queries
from portal.events.models import Event, Rsvp
from portal.events.question_forms import answers_form, check_answers, earlier_answers, submitted
from portal.events.question_queries import Registration
from portal.events.question_rules import answers_refusal
from portal.events.services import questions as services
from portal.events.services.rsvps import RsvpOutcome
from portal.extensions import db
from portal.web import (
    found_or_404,
    page_or_fragment,
    perform_in_form,
    see_other,
    wants_fragment,
)

#: Said above the RSVP form when an answer needs another look.
CHECK_ANSWERS = "Please check the answers marked below; nothing is booked yet."
CHOOSE_GUESTS = "Please choose how many guests you're bringing."


def asked(event: Event, rsvp: Rsvp | None = None, asks_questions: bool = True) -> Registration:
    """What the event asks, with the owner's earlier answers when they RSVPed before.
    `asks_questions=False`: the caller knows it asks none, so none are read."""
    return question_queries.registration(db.session, event, rsvp, asks_questions=asks_questions)


def rsvp_form(registration: Registration, guests: int = 0, fill: bool = True):
    """The RSVP form with the event's questions; `fill` puts the owner's earlier answers in."""
    data = earlier_answers(registration) if fill else {}
    return answers_form(
        registration, registration.event.guests_allowed, with_guests=True, guests=guests, **data
    )


def posted_rsvp_form(event: Event):
    """The RSVP form as posted, checked: (form, registration, what to fix or None)."""
    registration = asked(event)
    form = rsvp_form(registration, fill=False)
    valid = form.validate_on_submit()
    guests = form.guests.data if valid else 0
    if check_answers(form, registration, guests) and valid:
        return form, registration, None
    only_guests = set(form.errors) <= {"guests", "csrf_token"}
    return form, registration, CHOOSE_GUESTS if only_guests else CHECK_ANSWERS


def with_answers(outcome: RsvpOutcome, form, registration: Registration) -> RsvpOutcome:
    """Save the answers the RSVP form carried, in the RSVP's own transaction."""
    answers, names = submitted(form, registration, outcome.rsvp.guests)
    services.save_answers(db.session, rsvp=outcome.rsvp, answers=answers, guest_names=names)
    return outcome


def box_context(event: Event, rsvp: Rsvp | None, form=None, asks_questions: bool = True) -> dict:
    """What the RSVP box needs about the questions: them, the answers, the form (None when
    the box shows none of its fields)."""
    registration = asked(event, rsvp, asks_questions)
    refusal = answers_refusal(event, rsvp, clock.now()) if rsvp else None
    # The box shows the form's fields only when the event takes guests or asks something;
    # otherwise it reads no form (a message about a posted form comes with that form).
    if form is None and (event.guests_allowed or registration.asks_anything):
        form = rsvp_form(registration, rsvp.guests if rsvp else 0)
    return {"asked": registration, "answers_refusal": refusal, "form": form}


# --- The owner's answers page -------------------------------------------------------------


def _answers_context(own: Rsvp, form=None, note: str = "") -> dict:
    registration = asked(own.event, own)
    if form is None:
        form = answers_form(
            registration, own.guests, with_guests=False, **earlier_answers(registration)
        )
    return {
        "event": own.event,
        "rsvp": own,
        "asked": registration,
        "form": form,
        "note": note,
        "refusal": answers_refusal(own.event, own, clock.now()),
    }


def _save(own: Rsvp, form, registration: Registration):
    answers, names = submitted(form, registration, own.guests)
    return services.edit_answers(
        db.session, rsvp=own, answers=answers, guest_names=names, now=clock.now()
    )


@bp.route("/rsvps/<int:rsvp_id>/answers", methods=["GET", "POST"])
@login_required
def answers(rsvp_id: int):
    """The owner's answers to the event's questions: changeable until RSVPs close."""
    own = found_or_404(queries.owner_rsvp(db.session, current_user, rsvp_id))
    if request.method == "GET":
        return page_or_fragment(
            "events/answers.html", "events/_answers_box.html", **_answers_context(own)
        )
    registration = asked(own.event, own)
    form = answers_form(registration, own.guests, with_guests=False)
    note, status = CHECK_ANSWERS, 422
    if form.validate_on_submit() and check_answers(form, registration, own.guests):
        outcome = perform_in_form(lambda: _save(own, form, registration), form)
        note, status = (outcome.value, 200) if outcome.ok else ("", 422)
        if outcome.ok and not wants_fragment():
            flash(outcome.value, "success")
            return see_other("events.show", event_id=own.event_id)
    template = "events/_answers_box.html" if wants_fragment() else "events/answers.html"
    return render_template(template, **_answers_context(own, form, note)), status
