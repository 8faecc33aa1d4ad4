"""The community page: announcements, then upcoming events, open drives and the wall."""

from flask import get_template_attribute, render_template
from flask_login import current_user

from portal import clock
from portal.charity.queries import drive_cards
from portal.community import bp, queries, rules
from portal.events.queries import upcoming_events
from portal.extensions import db
from portal.referrals.queries import load_tiers
from portal.rewards.queries import wall_top
from portal.templating import dealership
from portal.web import page_number, url_pattern, wants_fragment

#: The community page shows this many upcoming events, and this many names from the wall.
COMMUNITY_EVENTS = 4
COMMUNITY_WALL = 12


@bp.app_template_filter("paragraphs")
def paragraphs_filter(text: str | None):
    """Plain user text as escaped paragraphs."""
    return rules.paragraphs(text)


@bp.route("/community")
def index():
    """What's happening in the club, for whoever is looking (visitors see public items).

    Announcements come a page at a time; htmx swaps just the announcements for another page.
    """
    page = page_number()
    announcements, has_next = queries.announcements_for(db.session, current_user, page)
    context = {"announcements": announcements, "page": page, "has_next": has_next}
    if wants_fragment():
        return render_template("community/_announcements.html", **context)
    return render_template("community/index.html", **context, **_sections(current_user))


def _sections(user) -> dict:
    """The sections below the announcements: the next events this person may see, the drives
    taking pledges and the ambassadors' wall (a statement each, and the settings)."""
    now = clock.now()
    events = upcoming_events(db.session, user, now, None, limit=COMMUNITY_EVENTS)
    today = clock.local_today(dealership()["timezone"])
    wall = wall_top(db.session, COMMUNITY_WALL + 1)
    shown = wall[:COMMUNITY_WALL]
    tiers = load_tiers(db.session)
    badge = get_template_attribute("referrals/_macros.html", "tier_badge")
    return {
        "events": events,
        "event_url": url_pattern("events.show", "event_id"),
        "drives": drive_cards(db.session, today),
        "drive_url": url_pattern("charity.drive", "drive_id"),
        "wall": shown,
        "more_on_wall": len(wall) > COMMUNITY_WALL,
        # Drawn once per tier on the wall, not once per person.
        "badges": {level: badge(level, tiers.name(level)) for level in {lv for _, lv in shown}},
    }
