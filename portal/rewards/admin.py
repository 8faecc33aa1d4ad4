"""Coordinator pages for the rewards catalogue and redemption fulfilment."""

from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal import clock, web
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.csvsafe import csv_response
from portal.dealership.queries import dealership_zone
from portal.extensions import db
from portal.points.queries import points_balance, points_history
from portal.referrals.queries import load_tiers
from portal.rewards import queries, services
from portal.rewards.forms import DeclineForm, FulfilForm, RewardForm
from portal.rewards.models import Redemption, RedemptionStatus, Reward
from portal.rewards.rules import offer_days
from portal.templating import when_text

bp = web.admin_bp

#: An owner's page shows this many of their latest ledger lines.
OWNER_LEDGER_LINES = 10

#: What a redemption's audit entries record.
DECISION_FIELDS = ("status", "fulfilled_on", "staff_note")


def _ladder() -> dict:
    """What the tier badges and priority flags on a staff page need."""
    return {"tiers": load_tiers(db.session), "ambassador_level": AMBASSADOR_LEVEL}


@bp.route("/rewards")
def rewards():
    """The catalogue, including retired rewards, with pending redemptions per reward."""
    return render_template(
        "admin/rewards/catalogue.html",
        catalogue=queries.staff_catalogue(db.session),
        pending=queries.pending_by_reward(db.session),
        tiers=load_tiers(db.session),
    )


def _reward_form(reward: Reward | None) -> RewardForm:
    """The reward's form: its values on a first visit, tiers to choose from by name."""
    editing = request.method == "GET" and reward is not None
    form = RewardForm(obj=reward) if editing else RewardForm()
    tiers = load_tiers(db.session)
    form.min_tier.choices = [SelectChoice(level, name) for level, name in enumerate(tiers.names)]
    events = queries.seat_events(db.session, clock.now(), reward.event_id if reward else None)
    form.event_id.choices = [
        SelectChoice(0, "No event"),
        *(
            SelectChoice(e.id, f"{e.title}, {when_text(e.starts_at, '%a %-d %b %Y')}")
            for e in events
        ),
    ]
    if editing:
        form.event_id.data = reward.event_id or 0
    if editing:
        first, last = offer_days(reward, dealership_zone(db.session))
        form.available_from.data, form.available_until.data = first, last
    return form


def _save_reward(reward: Reward | None, form: RewardForm) -> Reward:
    return services.save_reward(
        db.session,
        reward,
        {name: form[name].data for name in (*services.REWARD_EDITABLE, "event_id")},
        first_day=form.available_from.data,
        last_day=form.available_until.data,
        zone=dealership_zone(db.session),
    )


def _audit_reward(reward: Reward, before: dict | None) -> None:
    web.audit(
        "reward.update" if before else "reward.create",
        "reward",
        reward.id,
        f"{'Changed' if before else 'Added'} the reward “{reward.name}”",
        before=before,
        after=web.snapshot(reward, services.REWARD_FIELDS),
    )


@bp.route("/rewards/new", methods=["GET", "POST"], endpoint="reward_new")
@bp.route("/rewards/<int:reward_id>/edit", methods=["GET", "POST"], endpoint="reward_edit")
def reward_form(reward_id: int | None = None):
    """Add a reward, or change one (stock, window, cost...)."""
    reward = db.get_or_404(Reward, reward_id) if reward_id else None
    form = _reward_form(reward)
    if form.validate_on_submit():
        before = web.snapshot(reward, services.REWARD_FIELDS) if reward else None
        outcome = web.perform(
            lambda: _save_reward(reward, form),
            form,
            then=lambda saved: _audit_reward(saved, before),
        )
        if outcome.ok:
            flash(f"“{outcome.value.name}” saved.", "success")
            return web.see_other("admin.rewards")
    return web.form_page("admin/rewards/form.html", form, reward=reward)


@bp.route("/rewards/redemptions")
def redemptions():
    """Redemptions to fulfil (pending first), with the owner's tier and priority flag."""
    status = queries.chosen_status(request.args.get("status"))
    sort, descending = web.sort_params(tuple(queries.REDEMPTION_SORTS), "date")
    return render_template(
        "admin/rewards/redemptions.html",
        page=web.paginate(queries.redemptions_list(status, sort, descending), per=web.per_page(50)),
        status=status,
        statuses=list(RedemptionStatus),
        sort=sort,
        descending=descending,
        list_args=web.list_args(status=status),
        **_ladder(),
    )


def _redemption_page(redemption: Redemption, fulfil_form=None, decline_form=None):
    """The redemption's page; 422 when a form sent back carries errors."""
    return web.forms_page(
        "admin/rewards/redemption.html",
        redemption=redemption,
        fulfil_form=fulfil_form or FulfilForm(fulfilled_on=web.local_today()),
        decline_form=decline_form or DeclineForm(),
        now=clock.now(),
        **_ladder(),
    )


@bp.route("/rewards/redemptions/<int:redemption_id>")
def redemption(redemption_id: int):
    """One redemption: fulfil it (date, note) or decline it (points go back)."""
    return _redemption_page(db.get_or_404(Redemption, redemption_id))


def _decide(
    redemption: Redemption, form, field: str, service, action: str, summary: str, **values
) -> bool:
    """Fulfil or decline with `service`; the owner is told and it is audited, in one transaction.

    False when refused: the reason is then next to `form[field]`.
    """
    before = web.snapshot(redemption, DECISION_FIELDS)

    def tell_and_audit(_) -> None:
        path = url_for("rewards.redemption_detail", redemption_id=redemption.id)
        services.tell_owner_of_decision(db.session, redemption, detail_path=path, now=clock.now())
        after = web.snapshot(redemption, DECISION_FIELDS)
        web.audit(action, "redemption", redemption.id, summary, before=before, after=after)

    decided = web.perform(
        lambda: service(
            db.session,
            redemption=redemption,
            actor=current_user,
            note=form.note.data,
            now=clock.now(),
            **values,
        ),
        form,
        field,
        then=tell_and_audit,
    )
    return decided.ok


@bp.post("/rewards/redemptions/<int:redemption_id>/fulfil")
def redemption_fulfil(redemption_id: int):
    """Record that the reward was given; the owner hears about it."""
    redemption = db.get_or_404(Redemption, redemption_id)
    form = FulfilForm()
    if form.validate_on_submit() and _decide(
        redemption,
        form,
        "fulfilled_on",
        services.fulfil,
        "redemption.fulfil",
        f"Gave {redemption.user.name} their {redemption.reward.name}",
        fulfilled_on=form.fulfilled_on.data,
    ):
        flash(f"Marked as given to {redemption.user.name}.", "success")
        return web.see_other("admin.redemptions")
    return _redemption_page(redemption, fulfil_form=form)


def _seat_release(redemption: Redemption) -> dict:
    """What declining needs to free a reward seat: tickets for the waitlist, its event's page."""
    if redemption.rsvp is None:
        return {}
    return {
        "secret_key": current_app.config["SECRET_KEY"],
        "event_url": url_for("events.show", event_id=redemption.rsvp.event_id),
    }


@bp.post("/rewards/redemptions/<int:redemption_id>/decline")
def redemption_decline(redemption_id: int):
    """Decline a redemption: the points return by a reversing entry, stock goes back."""
    redemption = db.get_or_404(Redemption, redemption_id)
    form = DeclineForm()
    summary = (
        f"Declined {redemption.user.name}'s {redemption.reward.name}; "
        f"{redemption.points:,} points returned"
    )
    if form.validate_on_submit() and _decide(
        redemption,
        form,
        "note",
        services.decline,
        "redemption.decline",
        summary,
        **_seat_release(redemption),
    ):
        flash(
            f"Declined; {redemption.points:,} points returned to {redemption.user.name}.",
            "success",
        )
        return web.see_other("admin.redemptions")
    return _redemption_page(redemption, decline_form=form)


def owner_points(owner) -> dict:
    """An owner's balance, latest ledger lines and redemptions (three queries)."""
    return {
        "balance": points_balance(db.session, owner.id),
        "history": points_history(db.session, owner.id, limit=OWNER_LEDGER_LINES),
        "redemptions": queries.owner_redemptions(db.session, owner.id),
    }


#: The redemptions CSV's columns.
REDEMPTION_EXPORT_HEADER = (
    "id",
    "owner",
    "email",
    "reward",
    "points",
    "status",
    "cause",
    "asked on",
    "decided on",
    "decided by",
    "given on",
    "note to owner",
)


def _export_row(redemption: Redemption, owner_name, owner_email, reward_name, decided_by):
    return (
        redemption.id,
        owner_name,
        owner_email,
        reward_name,
        redemption.points,
        redemption.status,
        redemption.cause,
        web.export_moment(redemption.created_at),
        web.export_moment(redemption.decided_at),
        decided_by,
        redemption.fulfilled_on,
        redemption.staff_note,
    )


@bp.route("/rewards/redemptions/export.csv")
def export_redemptions():
    """Reward redemptions (optionally one status), oldest request first."""
    status = request.args.get("status")
    rows = (_export_row(*row) for row in web.export_rows(queries.redemptions_export(status)))
    name = f"redemptions-{status}" if status in queries.STATUS_VALUES else "redemptions"
    return csv_response(web.export_filename(name), REDEMPTION_EXPORT_HEADER, rows)
