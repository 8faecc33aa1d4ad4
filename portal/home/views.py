"""The owner's home page, made of the sections each domain contributes."""

from typing import NamedTuple

from flask import redirect, render_template, url_for
from flask_login import current_user

from portal.home import bp
from portal.links import kept_per_mount, url_pattern
from portal.sections import render_sections

#: Where the app keeps the home page's links (`web.kept_per_mount`).
_KEPT_LINKS = "portal.home.links"


@bp.route("/")
def index():
    """Greet the owner by name and show each domain's section; visitors see the welcome."""
    # The user itself, not the proxy: the view and every section read it, and each read
    # through the proxy costs.
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return render_template("home/welcome.html")
    if user.is_staff:
        return redirect(url_for("admin.index"))
    return render_template(
        "home/index.html",
        owner=user,
        sections=render_sections("home", user),
        home_links=kept_per_mount(_KEPT_LINKS, _home_links),
    )


class HomeLinks(NamedTuple):
    """The links the sections' templates (`<domain>/_home.html`) show, read as attributes
    (`home_links.garage`: a tuple's attribute is found at once, a dict's key only after
    Jinja's attribute lookup has failed). A survey's link is a pattern (`web.url_pattern`),
    its id in `{}`."""

    garage: str
    add_car: str
    reminders: str
    events: str
    rewards: str
    invite: str
    survey: str


def _home_links() -> HomeLinks:
    """The home page's links, worked out once per mount point: a `url_for` costs more than
    a section's line."""
    return HomeLinks(
        garage=url_for("garage.index"),
        add_car=url_for("garage.add"),
        reminders=url_for("reminders.index"),
        events=url_for("events.index"),
        rewards=url_for("rewards.index"),
        invite=url_for("referrals.invite"),
        survey=url_pattern("feedback.answer", "survey_id"),
    )
