"""The owner's "How did it go?" page: from the message's link (signed in or not) or the portal.

The link in the email, text or inbox carries a token for one survey and signs nobody in:
it answers that survey and shows nothing else. A signed-in owner opening another owner's
link, or another owner's survey, gets a 404.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.extensions import db
from portal.feedback import bp, queries, rules, services
from portal.feedback.forms import AnswerForm
from portal.feedback.models import Survey
from portal.web import perform


@bp.route("/how-did-it-go/<token>", methods=["GET", "POST"])
def answer_link(token: str):
    """Answer the question straight from the message; the link's token is the only key."""
    survey = queries.survey_by_token(db.session, token)
    if survey is None or not survey.owner.is_active:
        abort(404)
    if current_user.is_authenticated and current_user.id != survey.owner_id:
        abort(404)  # another account's link: answer it signed out, as its owner
    return _answer(survey, url_for("feedback.answer_link", token=token))


@bp.route("/visits/<int:survey_id>/how-did-it-go", methods=["GET", "POST"])
@login_required
def answer(survey_id: int):
    """Answer (or change the answer to) the question about one of the owner's visits."""
    survey = queries.survey_for_owner(db.session, current_user, survey_id)
    if survey is None:
        abort(404)
    return _answer(survey, url_for("feedback.answer", survey_id=survey.id))


def home_section_read(user) -> tuple:
    """What the home page's feedback section reads, in the page's one statement."""
    return queries.waiting_surveys_read(user.id, clock.now())


def home_section(user, rows: list[tuple]) -> dict:
    """The owner's home page: visits we asked about that still wait for an answer; an empty
    context when none waits, which the home page skips without drawing the section."""
    surveys = queries.waiting_surveys_from(rows)
    if not surveys:
        return {}
    return {
        "questions": [
            (survey, rules.question(user.first_name, survey.car_label, survey.work_done))
            for survey in surveys
        ]
    }


def _answer(survey: Survey, here: str):
    """GET shows the form (with the answer so far); POST saves it and comes back here."""
    form = AnswerForm(obj=survey)
    if form.validate_on_submit():
        score = form.score.data
        saved = perform(
            lambda: services.answer(
                db.session, survey, score=score, comment=form.comment.data, now=clock.now()
            ),
            form,
        )
        if saved.ok:
            flash(_thanks(survey, score), "success")
            return redirect(here, code=303)
    failed = request.method == "POST"
    return _page(survey, form), 422 if failed else 200


def _thanks(survey: Survey, score: int) -> str:
    name = survey.owner.first_name
    if rules.is_low(score, queries.low_score(db.session)):
        return (
            f"Thank you, {name}, and we're sorry it wasn't better. Our service manager has "
            "your answer and will be in touch to put things right."
        )
    return f"Thank you, {name}: your answer is saved. You can change it for a week."


def _page(survey: Survey, form: AnswerForm) -> str:
    now = clock.now()
    visit = survey.visit
    return render_template(
        "feedback/answer.html",
        survey=survey,
        visit=visit,
        car=visit.vehicle,
        form=form,
        heading=rules.question(survey.owner.first_name, visit.vehicle.label, visit.work_done),
        can_answer=rules.can_answer(survey.asked_at, survey.answered_at, now),
    )
