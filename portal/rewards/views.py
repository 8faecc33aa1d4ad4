"""Owner rewards pages (balance, tier, catalogue, redemptions) and the ambassadors' wall."""

import secrets

from flask import (
    current_app,
    flash,
    get_template_attribute,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from portal import clock
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.extensions import db
from portal.links import kept_per_mount, url_pattern
from portal.referrals.queries import load_tiers
from portal.referrals.rules import tier_progress
from portal.rewards import bp, owner_page, page_markup, queries, services
from portal.rewards.forms import RedeemForm
from portal.rewards.models import Redemption
from portal.servicelane.queries import lane_settings
from portal.servicelane.rules import priority_sentence
from portal.templating import dealership
from portal.web import (
    found_or_404,
    local_today,
    page_or_fragment,
    perform,
    see_other,
    wants_fragment,
)

#: Where the app keeps the rewards page's links, per mount point (`app.extensions[...]`).
_KEPT_LINKS = "portal.rewards_links"


def _page_links() -> dict[str, str]:
    """The rewards page's links, the same on every visit: the confirm step's, a redemption's
    and an event's with `{}` where the id goes (`url_pattern`), and the pages it points to.
    Worked out once per app and mount point, as the event's staff page keeps its links."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: {
            "redeem": url_pattern("rewards.confirm_redeem", "reward_id"),
            "redemption": url_pattern("rewards.redemption_detail", "redemption_id"),
            "event": url_pattern("events.show", "event_id"),
            "invite": url_for("referrals.invite"),
            "service": url_for("servicelane.index"),
        },
    )


def _rewards_context(message: dict | None = None) -> dict:
    """Everything the rewards page and its fragments show, in a fixed number of queries."""
    links = _page_links()
    # Today where the dealership is, from the profile the page's layout reads anyway.
    today = clock.local_today(dealership()["timezone"])
    page = owner_page.rewards_page(db.session, current_user, clock.now(), today, links)
    return {
        **page,
        "message": message,
        "links": links,
        "cards_html": page_markup.catalogue(
            page["cards"], message, links["event"], page["points_rate"]
        ),
        "redemptions_html": page_markup.redemptions(page["redemptions"]),
        "history_html": page_markup.ledger(page["history"]),
    }


@bp.route("/rewards")
@login_required
def index():
    """The owner's points, tier, what they can redeem, and what they redeemed."""
    context = _rewards_context()
    progress = context["progress"]
    badge = get_template_attribute("referrals/_macros.html", "tier_badge")
    return render_template(
        "rewards/index.html",
        **context,
        tier_badge=badge(progress.level, progress.name),
        priority_text=priority_sentence(lane_settings(db.session)),
    )


@bp.get("/rewards/<int:reward_id>/redeem")
@login_required
def confirm_redeem(reward_id: int):
    """Ask once before points move: the reward, its cost, the balance now and after.

    htmx swaps this into the reward's card; without JavaScript it is a page of its own.
    Its form carries a fresh one-time token, so confirming twice redeems once.
    """
    preview = found_or_404(
        queries.redeem_preview(db.session, current_user, reward_id, clock.now(), local_today())
    )
    return page_or_fragment(
        "rewards/redeem_confirm.html",
        "rewards/_redeem_confirm.html",
        **preview,
        form=RedeemForm(),
        token=secrets.token_urlsafe(24),
    )


def _redeemed_text(redemption: Redemption) -> str:
    """What the owner reads after redeeming."""
    if redemption.drive_id is not None:
        return (
            f"Thank you, {current_user.first_name}: your {redemption.points:,} points are now "
            f"part of {redemption.cause}."
        )
    if redemption.rsvp is not None:
        return (
            f"Your VIP seat at {redemption.rsvp.event.title} is reserved, and your ticket is "
            "ready on the event's page."
        )
    return f"{redemption.reward.name} is yours. The team will be in touch to arrange it."


def _send_seat_receipt(redemption: Redemption) -> None:
    """A seat reward's receipt (when, where, the ticket), queued in the redemption's transaction."""
    if redemption.rsvp is not None:
        services.tell_owner_of_seat(
            db.session,
            redemption,
            event_path=url_for("events.show", event_id=redemption.rsvp.event_id),
            tz=dealership()["timezone"],
            now=clock.now(),
        )


def _redeem(reward_id: int, form: RedeemForm) -> dict:
    """Redeem for the owner; what the reward's card then says ({"success"} or {"error"})."""
    if not form.validate_on_submit():
        return {"reward_id": reward_id, "error": "Please try again."}
    outcome = perform(
        lambda: services.redeem(
            db.session,
            user=current_user,
            reward_id=reward_id,
            now=clock.now(),
            drive_id=form.drive.data,
            request_token=form.token.data,
            secret_key=current_app.config["SECRET_KEY"],
        ),
        # A refusal stays with the posted form, not in a flash: the card says it.
        form,
        "token",
        then=_send_seat_receipt,
    )
    if not outcome.ok:
        return {"reward_id": reward_id, "error": outcome.error.message}
    return {"reward_id": reward_id, "success": _redeemed_text(outcome.value)}


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int):
    """Confirm a redemption: htmx swaps the catalogue in place; without JS, post/redirect/get."""
    message = _redeem(reward_id, RedeemForm())
    refused = "error" in message
    if wants_fragment():
        context = _rewards_context(message)
        return render_template("rewards/_redeem_response.html", **context), 422 if refused else 200
    flash(message["error"] if refused else message["success"], "error" if refused else "success")
    return see_other("rewards.index")


@bp.route("/rewards/redemptions/<int:redemption_id>")
@login_required
def redemption_detail(redemption_id: int):
    """One of the owner's redemptions and where it stands."""
    redemption = found_or_404(
        queries.get_owner_redemption(db.session, current_user.id, redemption_id)
    )
    return render_template("rewards/redemption.html", redemption=redemption)


def _badges(wall: list[queries.WallEntry]) -> dict[int, Markup]:
    """{tier level: its badge}, drawn once per level on the wall rather than once per person."""
    badge = get_template_attribute("referrals/_macros.html", "tier_badge")
    return {person.level: badge(person.level, person.tier) for person in wall}


@bp.route("/ambassadors")
def ambassadors():
    """Public thanks to the owners who bring friends, only those who agreed to be named."""
    wall = queries.ambassador_wall(db.session, load_tiers(db.session))
    return render_template(
        "rewards/ambassadors.html",
        wall=wall,
        badges=_badges(wall),
        ambassador_level=AMBASSADOR_LEVEL,
    )


def home_section_read(user) -> tuple:
    """What the home page's rewards section reads, in the page's one statement."""
    return queries.owner_standing_read(user.id)


def home_section(user, rows: list[tuple]) -> dict:
    """Points and tier on the owner's home page (its one row, and the settings the page
    reads anyway)."""
    ((balance, purchases),) = rows
    return {
        "balance": balance,
        "progress": tier_progress(load_tiers(db.session), user.tier_level, purchases),
    }
