"""Owner rewards pages (balance, tier, catalogue, redemptions) and the ambassadors' wall."""

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.charity import services as charity
from portal.errors import ServiceError
from portal.extensions import db
from portal.points.queries import points_balance, points_history
from portal.referrals.queries import load_tiers, purchases_referred
from portal.referrals.rules import tier_progress
from portal.rewards import bp, queries, services
from portal.rewards.forms import RedeemForm
from portal.rewards.models import CATEGORY_LABELS, Category
from portal.rewards.rules import redeem_check
from portal.templating import dealership

#: The community page shows this many names from the ambassadors' wall.
COMMUNITY_WALL = 12


def _gift_options(rewards) -> dict[int, list[tuple]]:
    """For each altruistic reward: the drives taking gifts now, with what the points give."""
    altruistic = [reward for reward in rewards if reward.category == Category.ALTRUISTIC]
    if not altruistic:
        return {}
    today = clock.local_today(dealership()["timezone"])
    drives = [d for d in charity.open_drives(db.session) if charity.accepts_pledges(d, today)]
    rate = int(charity.read_charity_settings(db.session)["charity.points_per_dollar"])
    options = {}
    for reward in altruistic:
        gifts = [(d, charity.convert_points(d, reward.points_cost, rate)) for d in drives]
        options[reward.id] = [(drive, drive.format_amount(gift)) for drive, gift in gifts if gift]
    return options


def _rewards_context(message: dict | None = None) -> dict:
    """Everything the rewards page and its fragments show, in a fixed number of queries."""
    now = clock.now()
    tiers = load_tiers(db.session)
    balance = points_balance(db.session, current_user.id)
    progress = tier_progress(
        tiers, current_user.tier_level, purchases_referred(db.session, current_user.id)
    )
    rewards = queries.catalogue(db.session, now)
    gift_options = _gift_options(rewards)
    cards = [
        (
            reward,
            redeem_check(
                reward,
                balance=balance,
                tier_level=current_user.tier_level,
                tier_name=tiers.name(reward.min_tier),
                drive_open=bool(gift_options.get(reward.id)),
            ),
        )
        for reward in rewards
    ]
    return {
        "balance": balance,
        "progress": progress,
        "tiers": tiers,
        "cards": cards,
        "gift_options": gift_options,
        # A fresh token per card: a form submitted twice (a double click) redeems once.
        "tokens": {reward.id: secrets.token_urlsafe(24) for reward in rewards},
        "category_labels": CATEGORY_LABELS,
        "redemptions": queries.owner_redemptions(db.session, current_user.id),
        "history": points_history(db.session, current_user.id),
        "message": message,
        "form": RedeemForm(),
    }


@bp.route("/rewards")
@login_required
def index():
    """The owner's points, tier, what they can redeem, and what they redeemed."""
    return render_template("rewards/index.html", **_rewards_context())


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int):
    """Redeem one reward: htmx swaps the catalogue in place; without JS, post/redirect/get."""
    form = RedeemForm()
    status = 200
    if not form.validate_on_submit():
        message = {"reward_id": reward_id, "error": "Please try again."}
        status = 422
    else:
        try:
            redemption = services.redeem(
                db.session,
                user=current_user,
                reward_id=reward_id,
                now=clock.now(),
                drive_id=form.drive.data,
                request_token=form.token.data,
            )
        except ServiceError as error:
            db.session.rollback()
            message = {"reward_id": reward_id, "error": error.message}
            status = 422
        else:
            db.session.commit()
            message = {"reward_id": reward_id, "success": _redeemed_text(redemption)}
    if request.htmx and not request.htmx.boosted:
        return render_template("rewards/_redeem_response.html", **_rewards_context(message)), status
    flash(message.get("success") or message["error"], "success" if status == 200 else "error")
    return redirect(url_for("rewards.index"), code=303)


def _redeemed_text(redemption) -> str:
    """What the owner reads after redeeming."""
    if redemption.drive_id is not None:
        return (
            f"Thank you, {current_user.first_name}: your {redemption.points:,} points are now "
            f"part of {redemption.cause}."
        )
    return f"{redemption.reward.name} is yours. The team will be in touch to arrange it."


@bp.route("/rewards/redemptions/<int:redemption_id>")
@login_required
def redemption_detail(redemption_id: int):
    """One of the owner's redemptions and where it stands."""
    redemption = queries.get_owner_redemption(db.session, current_user.id, redemption_id)
    if redemption is None:
        abort(404)
    return render_template("rewards/redemption.html", redemption=redemption)


@bp.route("/ambassadors")
def ambassadors():
    """Public thanks to the owners who bring friends, only those who agreed to be named."""
    wall = queries.ambassador_wall(db.session, load_tiers(db.session))
    return render_template("rewards/ambassadors.html", wall=wall, ambassador_level=AMBASSADOR_LEVEL)


def community_wall(user) -> dict:
    """The ambassadors' wall on the community page, opted-in owners only (two queries)."""
    tiers = load_tiers(db.session)
    wall = queries.ambassador_wall(db.session, tiers, limit=COMMUNITY_WALL + 1)
    return {"wall": wall[:COMMUNITY_WALL], "more": len(wall) > COMMUNITY_WALL}


def home_section(user) -> dict:
    """Points and tier on the owner's home page (three queries)."""
    tiers = load_tiers(db.session)
    return {
        "balance": points_balance(db.session, user.id),
        "progress": tier_progress(tiers, user.tier_level, purchases_referred(db.session, user.id)),
    }
