"""The community page: announcements, then upcoming events, open drives and the wall."""

from typing import NamedTuple

from flask import get_template_attribute, render_template, url_for
from flask_login import current_user

from portal import clock
from portal.charity.queries import drive_cards_from, drive_cards_read
from portal.community import bp, queries, rules
from portal.community.cards import announcement_cards
from portal.events.cards import community_cards
from portal.events.queries import upcoming_events_from, upcoming_events_read
from portal.extensions import db
from portal.json_rows import read_together
from portal.links import kept_per_mount, url_pattern, with_query
from portal.referrals.queries import load_tiers
from portal.rewards.queries import wall_top_from, wall_top_read
from portal.templating import dealership
from portal.web import page_number, wants_fragment

#: The community page shows this many upcoming events, and this many names from the wall.
COMMUNITY_EVENTS = 4
COMMUNITY_WALL = 12


@bp.app_template_filter("paragraphs")
def paragraphs_filter(text: str | None):
    """Plain user text as escaped paragraphs."""
    return rules.paragraphs(text)


class CommunityLinks(NamedTuple):
    """Where the community page links to: itself, the events, the drives, the wall; an event
    and a drive with `{}` for the id."""

    community: str
    events: str
    drives: str
    wall: str
    event: str
    drive: str


#: Where the app keeps the page's links (`app.extensions[...]`), by the path it is mounted at.
_KEPT_LINKS = "portal.community_links"


def _links() -> CommunityLinks:
    """The page's links, built once per mount point and kept (`web.kept_per_mount`)."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: CommunityLinks(
            community=url_for("community.index"),
            events=url_for("events.index"),
            drives=url_for("charity.index"),
            wall=url_for("rewards.ambassadors"),
            event=url_pattern("events.show", "event_id"),
            drive=url_pattern("charity.drive", "drive_id"),
        ),
    )


@bp.route("/community")
def index():
    """What's happening in the club, for whoever is looking (visitors see public items).

    Announcements come a page at a time; htmx swaps just the announcements for another page.
    """
    page = page_number()
    user = current_user._get_current_object()
    if wants_fragment():
        announcements, has_next = queries.announcements_for(db.session, user, page)
        sections = {}
    else:
        (announcements, has_next), sections = _read_the_page(user, page)
    links = _links()
    # The pager's links as `more_pager` writes them: page 1 without `?page=`.
    context = {
        "announcements": announcements,
        "announcement_cards": announcement_cards(announcements),
        "page": page,
        "newest_url": links.community,
        "newer_url": (
            with_query(links.community, ("page", page - 1 if page > 2 else None))
            if page > 1
            else None
        ),
        "older_url": with_query(links.community, ("page", page + 1)) if has_next else None,
        "links": links,
    }
    if wants_fragment():
        return render_template("community/_announcements.html", **context)
    return render_template("community/index.html", **context, **_sections(sections, links))


def _read_the_page(user, page: int) -> tuple[tuple[list, bool], dict]:
    """The announcements of page `page` and the rows of the sections below them (the next
    events this person may see, the drives taking pledges, the ambassadors' wall), read
    together in one statement (`portal.json_rows`)."""
    events_read = upcoming_events_read(user, clock.now(), None, limit=COMMUNITY_EVENTS)
    announcements, events, drives, wall = read_together(
        db.session,
        [
            queries.announcements_read(user, page),
            events_read,
            drive_cards_read(),
            wall_top_read(COMMUNITY_WALL + 1),
        ],
    )
    today = clock.local_today(dealership()["timezone"])
    return queries.announcements_from(announcements), {
        "events": upcoming_events_from(events, events_read[1]),
        "drives": drive_cards_from(drives, today),
        "wall": wall_top_from(wall),
    }


def _sections(sections: dict, links: CommunityLinks) -> dict:
    """The sections' context: the events as cards, the wall's first names with a badge per
    tier (and the settings' tier names)."""
    wall = sections["wall"]
    shown = wall[:COMMUNITY_WALL]
    tiers = load_tiers(db.session)
    badge = get_template_attribute("referrals/_macros.html", "tier_badge")
    return {
        "events": sections["events"],
        "event_cards": community_cards(sections["events"], links.event),
        "drives": sections["drives"],
        "wall": shown,
        "more_on_wall": len(wall) > COMMUNITY_WALL,
        # Drawn once per tier on the wall, not once per person.
        "badges": {level: badge(level, tiers.name(level)) for level in {lv for _, lv in shown}},
    }
