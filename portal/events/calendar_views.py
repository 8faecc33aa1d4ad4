"""Owners' calendars: an event as a calendar file's body, the personal feed calendar apps
poll, and the profile's calendar-feed settings."""

from datetime import date, datetime

from flask import Response, abort, current_app, flash, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.events import bp, calendars, queries
from portal.events import feed as personal_feed
from portal.events.feed_sources import extra_entries
from portal.events.forms import FeedRemindersForm
from portal.events.services import feeds
from portal.events.tokens import CALENDAR, derive_token
from portal.extensions import db
from portal.forms import EmptyForm
from portal.templating import dealership
from portal.web import found_or_404, local_today, perform, see_other


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def calendar_body(events, calendar_name: str, **extra) -> bytes:
    """Events as an iCalendar body, each linking to its page; UIDs in the portal's domain."""
    links = [(event, url_for("events.show", event_id=event.id, _external=True)) for event in events]
    name = f"{dealership()['name']} {calendar_name}"
    domain = calendars.uid_domain(current_app.config["PORTAL_BASE_URL"])
    return calendars.calendar_bytes(links, clock.now(), name, domain, **extra)


def ics_response(body: bytes, filename: str | None = None) -> Response:
    """A calendar body as a response; a download when named."""
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """An owner's personal feed: confirmed events and pressing reminders; anyone holding the
    URL can read it. Calendar apps poll it, so a repeated request (If-None-Match) is answered
    304 until something in it changes, and the body is built once per change."""
    now, today = clock.now(), local_today()
    stamp = found_or_404(
        personal_feed.feed_stamp(
            db.session, token, now, today, request.url_root, current_app.config["PORTAL_BASE_URL"]
        )
    )
    if request.if_none_match.contains_weak(stamp.etag):
        response = Response(status=304)
    else:
        response = ics_response(
            personal_feed.feed_body(stamp, lambda: _feed_body(stamp.owner_id, now, today))
        )
    response.headers["Cache-Control"] = "private, max-age=900"
    response.set_etag(stamp.etag, weak=True)
    return response


def _feed_body(owner_id: int, now: datetime, today: date) -> bytes:
    found = personal_feed.feed_of_owner(db.session, owner_id)
    return calendar_body(
        personal_feed.feed_events(db.session, owner_id, now),
        "Owners Club: my events",
        reminders=personal_feed.feed_reminders(db.session, found, today),
        today=today,
        reminders_url=url_for("reminders.index", _external=True),
        refresh=calendars.FEED_REFRESH,
        entries=extra_entries(db.session, owner_id, now),
    )


@bp.post("/calendar/feed")
@login_required
def rotate_feed():
    """Create the owner's calendar feed, or give it a new address (the old one stops)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    created = perform(lambda: feeds.rotate_feed(db.session, current_user, _secret_key())).value
    if created:
        flash("Your calendar link is ready. Add it to your calendar app to subscribe.", "success")
    else:
        flash("Your calendar link has a new address; the old one no longer works.", "success")
    return see_other("accounts.profile", _anchor="calendar-feed")


@bp.post("/calendar/feed/reminders")
@login_required
def feed_reminders():
    """Show the owner's reminders in their calendar feed, or leave them out."""
    form = FeedRemindersForm()
    if not form.validate_on_submit():
        abort(400)
    shown = form.include_reminders.data
    outcome = perform(lambda: feeds.show_reminders(db.session, current_user, shown))
    if outcome.ok:
        flash(
            "Your calendar shows your reminders too; they appear at its next refresh."
            if shown
            else "Your calendar shows only your events now; reminders leave at its next refresh.",
            "success",
        )
    return see_other("accounts.profile", _anchor="calendar-feed")


def calendar_feed(user) -> dict:
    """The owner's calendar feed address, if they made one (one query)."""
    feed = queries.feed_for(db.session, user)
    url = None
    if feed is not None:
        token = derive_token(_secret_key(), CALENDAR, feed.nonce)
        url = url_for("events.feed", token=token, _external=True)
    form = FeedRemindersForm(
        formdata=None, include_reminders=feed.include_reminders if feed else True
    )
    return {"feed_url": url, "feed": feed, "reminders_form": form}
