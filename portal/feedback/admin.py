"""Staff pages for feedback: open follow-ups and closing them, an owner's answers, the figures."""

from datetime import date

from dateutil.relativedelta import relativedelta
from flask import abort, flash, render_template, request
from flask_login import current_user

from portal import clock, web
from portal.extensions import db
from portal.feedback import queries, services
from portal.feedback.forms import CloseFollowUpForm
from portal.feedback.models import FollowUp, FollowUpStatus

bp = web.admin_bp

#: The dashboard's satisfaction table covers the visits of this many months, this one included.
DASHBOARD_MONTHS = 6
#: What a follow-up's audit entries record.
FOLLOW_UP_FIELDS = ("status", "note")


@bp.route("/follow-ups")
def follow_ups():
    """Low scores waiting for the service manager (open), or those already dealt with."""
    show = FollowUpStatus.CLOSED if request.args.get("show") == "closed" else FollowUpStatus.OPEN
    return render_template(
        "admin/feedback/follow_ups.html",
        page=web.paginate(queries.follow_ups(show)),
        show=show,
        open_count=queries.open_follow_up_count(db.session),
    )


def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    follow_up = queries.follow_up(db.session, follow_up_id)
    if follow_up is None:
        abort(404)
    return follow_up


@bp.route("/follow-ups/<int:follow_up_id>")
def follow_up(follow_up_id: int):
    """One low score: the owner, the visit, what they said, and closing it with a note."""
    return _follow_up_page(_follow_up_or_404(follow_up_id), CloseFollowUpForm())


def _follow_up_page(item: FollowUp, form: CloseFollowUpForm, status: int = 200):
    page = render_template("admin/feedback/follow_up.html", item=item, form=form)
    return page, 422 if form.errors else status


@bp.post("/follow-ups/<int:follow_up_id>/close")
def close_follow_up(follow_up_id: int):
    """Close a follow-up with a note of what was done (audited)."""
    item = _follow_up_or_404(follow_up_id)
    form = CloseFollowUpForm()
    if form.validate_on_submit():
        outcome = web.perform(
            lambda: services.close_follow_up(
                db.session, item, by=current_user, note=form.note.data, now=clock.now()
            ),
            form,
            then=lambda _: web.audit(
                "follow_up.close",
                "follow_up",
                item.id,
                f"Closed the follow-up on {item.owner.name}'s score of {item.score}",
                before={"status": FollowUpStatus.OPEN.value, "note": None},
                after=web.snapshot(item, FOLLOW_UP_FIELDS),
            ),
        )
        if outcome.ok:
            flash(f"Closed. {item.owner.name}'s follow-up is on record.", "success")
            return web.see_other("admin.follow_ups")
        return _follow_up_page(item, form, 409)
    return _follow_up_page(item, form)


def owner_feedback(owner) -> dict:
    """The owner page's section: their latest answers and the follow-ups they opened."""
    return {"answers": queries.owner_answers(db.session, owner.id)}


def dashboard_satisfaction(today: date, open_follow_ups: int) -> dict:
    """The dashboard's table: per month of the visit and per advisor, the answers' figures
    (the dashboard counts the open follow-ups with its other counts)."""
    since = today.replace(day=1) - relativedelta(months=DASHBOARD_MONTHS - 1)
    return {
        "rows": queries.satisfaction(db.session, since),
        "since": since,
        "open_follow_ups": open_follow_ups,
    }
