"""The events blocks on the owner's home page, profile and the community page."""

from flask import current_app, url_for

from portal import clock
from portal.events import queries
from portal.events.tokens import CALENDAR, derive_token
from portal.extensions import db
from portal.sections import community_sections, home_sections, profile_sections

#: The community page shows this many upcoming events.
COMMUNITY_EVENTS = 4


@home_sections.register(30, "events/_home.html")
def next_events(user) -> dict:
    """The owner's next few events (one query)."""
    return {"events": queries.next_events(db.session, user, clock.now())}


@profile_sections.register(30, "events/_profile_calendar.html")
def calendar_feed(user) -> dict:
    """The owner's calendar feed address, if they made one (one query)."""
    feed = queries.feed_for(db.session, user)
    url = None
    if feed is not None:
        token = derive_token(current_app.config["SECRET_KEY"], CALENDAR, feed.nonce)
        url = url_for("events.feed", token=token, _external=True)
    return {"feed_url": url, "feed": feed}


@community_sections.register(10, "events/_community.html")
def community_events(user) -> dict:
    """The next few events this person may see, visitors included (one query)."""
    rows = queries.upcoming_events(db.session, user, clock.now(), None, limit=COMMUNITY_EVENTS)
    return {"rows": rows}
