"""Coordinator pages for the rewards catalogue and redemption fulfilment."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL, User
from portal.csvsafe import csv_response
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.points.queries import points_balance, points_history
from portal.referrals.queries import load_tiers
from portal.rewards import queries, services
from portal.rewards.forms import DeclineForm, FulfilForm, RewardForm
from portal.rewards.models import Redemption, RedemptionStatus, Reward
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import (
    audit,
    export_filename,
    export_moment,
    export_rows,
    list_args,
    ordering,
    page_number,
    per_page,
    snapshot,
    sort_params,
)

#: An owner's page shows this many of their latest ledger lines.
OWNER_LEDGER_LINES = 10


#: What a reward's audit entries record.
REWARD_FIELDS = (
    "name",
    "description",
    "category",
    "points_cost",
    "min_tier",
    "stock",
    "available_from",
    "available_until",
    "is_active",
)
#: Columns the redemptions list sorts by (oldest request first by default).
REDEMPTION_SORTS = {
    "date": Redemption.created_at,
    "owner": func.lower(User.name),
    "reward": func.lower(Reward.name),
    "points": Redemption.points,
}
#: What a redemption's audit entries record.
DECISION_FIELDS = ("status", "fulfilled_on", "staff_note")


def _zone() -> ZoneInfo:
    return ZoneInfo(dealership()["timezone"])


def _start_of(day: date | None) -> datetime | None:
    """Local midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time(), _zone()).astimezone(ZoneInfo("UTC")) if day else None


def _local_day(moment: datetime | None, *, last_day: bool = False) -> date | None:
    if moment is None:
        return None
    day = moment.astimezone(_zone()).date()
    return day - timedelta(days=1) if last_day else day


@bp.route("/rewards")
def rewards():
    """The catalogue, including retired rewards, with pending redemptions per reward."""
    pending = dict(
        db.session.execute(
            select(Redemption.reward_id, func.count())
            .where(Redemption.status == RedemptionStatus.PENDING)
            .group_by(Redemption.reward_id)
        ).all()
    )
    catalogue = db.session.scalars(
        select(Reward).order_by(Reward.is_active.desc(), Reward.category, Reward.points_cost)
    ).all()
    return render_template(
        "admin/rewards/catalogue.html",
        catalogue=catalogue,
        pending=pending,
        tiers=load_tiers(db.session),
    )


def _reward_form(reward: Reward | None) -> RewardForm:
    form = RewardForm(obj=reward) if request.method == "GET" and reward else RewardForm()
    tiers = load_tiers(db.session)
    form.min_tier.choices = [SelectChoice(level, name) for level, name in enumerate(tiers.names)]
    if request.method == "GET" and reward:
        form.available_from.data = _local_day(reward.available_from)
        form.available_until.data = _local_day(reward.available_until, last_day=True)
    return form


@bp.route("/rewards/new", methods=["GET", "POST"], endpoint="reward_new")
@bp.route("/rewards/<int:reward_id>/edit", methods=["GET", "POST"], endpoint="reward_edit")
def reward_form(reward_id: int | None = None):
    """Add a reward, or change one (stock, window, cost...)."""
    reward = db.session.get(Reward, reward_id) if reward_id else None
    if reward_id and reward is None:
        abort(404)
    form = _reward_form(reward)
    if form.validate_on_submit():
        starts = _start_of(form.available_from.data)
        last_day = form.available_until.data
        ends = _start_of(last_day + timedelta(days=1)) if last_day else None
        if starts and ends and ends <= starts:
            form.available_until.errors.append("The last day comes after the first.")
        else:
            before = snapshot(reward, REWARD_FIELDS) if reward else None
            reward = reward or Reward()
            form.populate_obj(reward)
            reward.available_from, reward.available_until = starts, ends
            reward.description = reward.description or ""
            db.session.add(reward)
            db.session.flush()
            audit(
                "reward.update" if before else "reward.create",
                "reward",
                reward.id,
                f"{'Changed' if before else 'Added'} the reward “{reward.name}”",
                before=before,
                after=snapshot(reward, REWARD_FIELDS),
            )
            db.session.commit()
            flash(f"“{reward.name}” saved.", "success")
            return redirect(url_for("admin.rewards"), code=303)
    return render_template("admin/rewards/form.html", form=form, reward=reward), (
        422 if form.errors else 200
    )


@bp.route("/rewards/redemptions")
def redemptions():
    """Redemptions to fulfil (pending first), with the owner's tier and priority flag."""
    status = request.args.get("status", RedemptionStatus.PENDING.value)
    if status not in {s.value for s in RedemptionStatus}:
        status = RedemptionStatus.PENDING.value
    sort, descending = sort_params(tuple(REDEMPTION_SORTS), "date")
    query = (
        select(Redemption)
        .join(Redemption.user)
        .join(Redemption.reward)
        .options(contains_eager(Redemption.user), contains_eager(Redemption.reward))
        .where(Redemption.status == status)
        .order_by(*ordering(REDEMPTION_SORTS, sort, descending, Redemption.id))
    )
    page = db.paginate(query, page=page_number(), per_page=per_page(50), error_out=False)
    return render_template(
        "admin/rewards/redemptions.html",
        page=page,
        status=status,
        statuses=list(RedemptionStatus),
        tiers=load_tiers(db.session),
        ambassador_level=AMBASSADOR_LEVEL,
        sort=sort,
        descending=descending,
        list_args=list_args(status=status),
    )


def _get_redemption(redemption_id: int) -> Redemption:
    return db.get_or_404(Redemption, redemption_id)


def _redemption_page(redemption, fulfil_form=None, decline_form=None, status=200):
    today = clock.local_today(dealership()["timezone"])
    return render_template(
        "admin/rewards/redemption.html",
        redemption=redemption,
        fulfil_form=fulfil_form or FulfilForm(fulfilled_on=today),
        decline_form=decline_form or DeclineForm(),
        tiers=load_tiers(db.session),
        ambassador_level=AMBASSADOR_LEVEL,
    ), status


@bp.route("/rewards/redemptions/<int:redemption_id>")
def redemption(redemption_id: int):
    """One redemption: fulfil it (date, note) or decline it (points go back)."""
    return _redemption_page(_get_redemption(redemption_id))


def _tell_owner(redemption: Redemption) -> list[int]:
    return services.tell_owner_of_decision(
        db.session,
        redemption,
        detail_path=url_for("rewards.redemption_detail", redemption_id=redemption.id),
        now=clock.now(),
    )


@bp.post("/rewards/redemptions/<int:redemption_id>/fulfil")
def redemption_fulfil(redemption_id: int):
    """Record that the reward was given; the owner hears about it."""
    redemption = _get_redemption(redemption_id)
    form = FulfilForm()
    if not form.validate_on_submit():
        return _redemption_page(redemption, fulfil_form=form, status=422)
    before = snapshot(redemption, DECISION_FIELDS)
    try:
        services.fulfil(
            db.session,
            redemption=redemption,
            actor=current_user,
            fulfilled_on=form.fulfilled_on.data,
            note=form.note.data,
            now=clock.now(),
        )
    except ServiceError as error:
        db.session.rollback()
        form.fulfilled_on.errors.append(error.message)
        return _redemption_page(_get_redemption(redemption_id), fulfil_form=form, status=422)
    ids = _tell_owner(redemption)
    audit(
        "redemption.fulfil",
        "redemption",
        redemption.id,
        f"Gave {redemption.user.name} their {redemption.reward.name}",
        before=before,
        after=snapshot(redemption, DECISION_FIELDS),
    )
    db.session.commit()
    dispatch(ids)
    flash(f"Marked as given to {redemption.user.name}.", "success")
    return redirect(url_for("admin.redemptions"), code=303)


@bp.post("/rewards/redemptions/<int:redemption_id>/decline")
def redemption_decline(redemption_id: int):
    """Decline a redemption: the points return by a reversing entry, stock goes back."""
    redemption = _get_redemption(redemption_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _redemption_page(redemption, decline_form=form, status=422)
    before = snapshot(redemption, DECISION_FIELDS)
    try:
        services.decline(
            db.session,
            redemption=redemption,
            actor=current_user,
            note=form.note.data,
            now=clock.now(),
        )
    except ServiceError as error:
        db.session.rollback()
        form.note.errors.append(error.message)
        return _redemption_page(_get_redemption(redemption_id), decline_form=form, status=422)
    ids = _tell_owner(redemption)
    audit(
        "redemption.decline",
        "redemption",
        redemption.id,
        f"Declined {redemption.user.name}'s {redemption.reward.name}; "
        f"{redemption.points:,} points returned",
        before=before,
        after=snapshot(redemption, DECISION_FIELDS),
    )
    db.session.commit()
    dispatch(ids)
    flash(f"Declined; {redemption.points:,} points returned to {redemption.user.name}.", "success")
    return redirect(url_for("admin.redemptions"), code=303)


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


@bp.route("/rewards/redemptions/export.csv")
def export_redemptions():
    """Reward redemptions (optionally one status), oldest request first."""
    status = request.args.get("status")
    statement = queries.redemptions_export(status)

    def rows():
        for redemption, owner_name, owner_email, reward_name, decided_by in export_rows(statement):
            yield (
                redemption.id,
                owner_name,
                owner_email,
                reward_name,
                redemption.points,
                redemption.status,
                redemption.cause,
                export_moment(redemption.created_at),
                export_moment(redemption.decided_at),
                decided_by,
                redemption.fulfilled_on,
                redemption.staff_note,
            )

    name = f"redemptions-{status}" if status in queries.STATUS_VALUES else "redemptions"
    return csv_response(export_filename(name), REDEMPTION_EXPORT_HEADER, rows())
