"""Owners' event pages: the list, an event, RSVPs, tickets, My events and calendars."""

from datetime import timedelta

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal import clock
from portal.errors import ServiceError
from portal.events import bp, calendars, queries
from portal.events.forms import GuestsForm
from portal.events.models import KIND_LABELS, CalendarFeed
from portal.events.rules import rsvp_opens_at, rsvp_refusal
from portal.events.services import rsvps
from portal.events.tokens import CALENDAR, TICKET, derive_token, fresh_token
from portal.extensions import db
from portal.forms import EmptyForm
from portal.notifications.dispatch import dispatch
from portal.sections import render_sections
from portal.security import hash_token
from portal.templating import dealership

#: The personal feed lists events that ended at most this long ago.
FEED_HISTORY_DAYS = 90


def _wants_fragment() -> bool:
    return bool(request.htmx) and not request.htmx.boosted


@bp.route("/events")
def index():
    """Upcoming events this person may see, filtered by kind; events for their car first."""
    kind = request.args.get("kind") or None
    if kind not in KIND_LABELS:
        kind = None
    rows = queries.upcoming_events(db.session, current_user, clock.now(), kind)
    template = "events/_event_list.html" if _wants_fragment() else "events/index.html"
    return render_template(template, rows=rows, kind=kind, kinds=KIND_LABELS)


def _event_page_or_404(event_id: int) -> queries.EventPage:
    page = queries.event_for_viewer(db.session, current_user, event_id)
    if page is None:
        abort(404)
    return page


def _box_context(page: queries.EventPage, form: GuestsForm | None = None, note: str = "") -> dict:
    """What the RSVP box needs to render for the current person."""
    now = clock.now()
    refusal = None
    if current_user.is_authenticated:
        refusal = rsvp_refusal(page.event, current_user, now, dealership()["timezone"])
    return {
        "page": page,
        "event": page.event,
        "rsvp": page.rsvp,
        "form": form or GuestsForm(guests=page.rsvp.guests if page.rsvp else 0),
        "refusal": refusal,
        "opens_at": rsvp_opens_at(page.event, current_user)
        if current_user.is_authenticated
        else page.event.rsvp_opens_at,
        "note": note,
        "now": now,
    }


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    """One event: details, seats left and the viewer's own RSVP."""
    page = _event_page_or_404(event_id)
    sections = render_sections("event", page.event)
    return render_template("events/show.html", **_box_context(page), sections=sections)


def _after_action(event_id: int, note: str, form: GuestsForm | None = None, status: int = 200):
    """The RSVP box (and seats left, out of band) for htmx; otherwise back to the page."""
    if _wants_fragment():
        page = _event_page_or_404(event_id)
        context = _box_context(page, form, note)
        return render_template("events/_rsvp_response.html", **context), status
    flash(note, "error" if status >= 400 else "success")
    return redirect(url_for("events.show", event_id=event_id), code=303)


def _run(event_id: int, action, form: GuestsForm):
    """Run an RSVP action, commit, send its messages; errors go next to the guests field."""
    try:
        outcome = action()
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            form.guests.errors = [error.message]
        return _after_action(event_id, error.message, form, status=422)
    db.session.commit()
    dispatch(outcome.notification_ids)
    return _after_action(event_id, outcome.message)


def _event_url(event_id: int) -> str:
    return url_for("events.show", event_id=event_id)


@bp.post("/events/<int:event_id>/rsvp")
@login_required
def rsvp(event_id: int):
    """RSVP in one click: a seat if one is free, the waitlist otherwise."""
    page = _event_page_or_404(event_id)
    form = GuestsForm()
    if not form.validate_on_submit():
        return _after_action(event_id, "Please choose how many guests you're bringing.", form, 422)
    return _run(
        event_id,
        lambda: rsvps.place_rsvp(
            db.session,
            event=page.event,
            user=current_user,
            guests=form.guests.data,
            now=clock.now(),
            tz=dealership()["timezone"],
            secret_key=current_app.config["SECRET_KEY"],
        ),
        form,
    )


def _own_rsvp_or_404(rsvp_id: int):
    found = queries.owner_rsvp(db.session, current_user, rsvp_id)
    if found is None:
        abort(404)
    return found


@bp.post("/rsvps/<int:rsvp_id>/cancel")
@login_required
def cancel(rsvp_id: int):
    """Give up a seat or waitlist place; the next person in the queue gets the seat."""
    own = _own_rsvp_or_404(rsvp_id)
    form = GuestsForm()
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _run(
        own.event_id,
        lambda: rsvps.cancel_rsvp(
            db.session,
            rsvp=own,
            now=clock.now(),
            secret_key=current_app.config["SECRET_KEY"],
            event_url=_event_url(own.event_id),
        ),
        form,
    )


@bp.post("/rsvps/<int:rsvp_id>/guests")
@login_required
def change_guests(rsvp_id: int):
    """Bring more or fewer guests."""
    own = _own_rsvp_or_404(rsvp_id)
    form = GuestsForm()
    if not form.validate_on_submit():
        return _after_action(own.event_id, "Please choose a number of guests.", form, 422)
    return _run(
        own.event_id,
        lambda: rsvps.change_guests(
            db.session,
            rsvp=own,
            guests=form.guests.data,
            now=clock.now(),
            secret_key=current_app.config["SECRET_KEY"],
            event_url=_event_url(own.event_id),
        ),
        form,
    )


@bp.route("/rsvps/<int:rsvp_id>/ticket")
@login_required
def ticket(rsvp_id: int):
    """The owner's ticket: a QR code the team scans at the door."""
    own = _own_rsvp_or_404(rsvp_id)
    qr_svg = None
    if own.holds_seat and own.ticket_nonce and not own.event.is_cancelled:
        code = derive_token(current_app.config["SECRET_KEY"], TICKET, own.ticket_nonce)
        link = url_for("admin.events_checkin", code=code, _external=True)
        qr_svg = segno.make(link, error="m").svg_inline(
            scale=6, border=4, dark="#1d2430", light="#ffffff", svgclass="ticket-qr", omitsize=True
        )
    return render_template("events/ticket.html", rsvp=own, event=own.event, qr_svg=qr_svg)


@bp.route("/my-events")
@login_required
def my_events():
    """The owner's upcoming and past events, with tickets."""
    upcoming, past = queries.my_events(db.session, current_user, clock.now())
    return render_template("events/my_events.html", upcoming=upcoming, past=past)


def _ics_response(body: bytes, filename: str | None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """The event as a calendar file (STATUS:CANCELLED once it is called off)."""
    page = _event_page_or_404(event_id)
    url = url_for("events.show", event_id=event_id, _external=True)
    body = calendars.calendar_bytes(
        [(page.event, url)], clock.now(), f"{dealership()['name']} Owners Club"
    )
    return _ics_response(body, f"event-{event_id}.ics")


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """An owner's personal feed of confirmed events; anyone holding the URL can read it."""
    found = db.session.scalar(
        db.select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
    )
    if found is None:
        abort(404)
    now = clock.now()
    events = queries.feed_events(db.session, found.user_id, now - timedelta(days=FEED_HISTORY_DAYS))
    body = calendars.calendar_bytes(
        [(event, url_for("events.show", event_id=event.id, _external=True)) for event in events],
        now,
        f"{dealership()['name']} Owners Club: my events",
    )
    response = _ics_response(body, None)
    response.headers["Cache-Control"] = "private, max-age=900"
    return response


@bp.post("/calendar/feed")
@login_required
def rotate_feed():
    """Create the owner's calendar feed, or give it a new address (the old one stops)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    found = queries.feed_for(db.session, current_user)
    nonce, token_hash = fresh_token(current_app.config["SECRET_KEY"], CALENDAR)
    if found is None:
        db.session.add(CalendarFeed(user_id=current_user.id, nonce=nonce, token_hash=token_hash))
        flash("Your calendar link is ready. Add it to your calendar app to subscribe.", "success")
    else:
        found.nonce, found.token_hash = nonce, token_hash
        flash("Your calendar link has a new address; the old one no longer works.", "success")
    db.session.commit()
    return redirect(url_for("accounts.profile", _anchor="calendar-feed"), code=303)


#: The community page shows this many upcoming events.
COMMUNITY_EVENTS = 4


def next_events(user) -> dict:
    """The owner's next few events (one query)."""
    return {"events": queries.next_events(db.session, user, clock.now())}


def calendar_feed(user) -> dict:
    """The owner's calendar feed address, if they made one (one query)."""
    feed = queries.feed_for(db.session, user)
    url = None
    if feed is not None:
        token = derive_token(current_app.config["SECRET_KEY"], CALENDAR, feed.nonce)
        url = url_for("events.feed", token=token, _external=True)
    return {"feed_url": url, "feed": feed}


def community_events(user) -> dict:
    """The next few events this person may see, visitors included (one query)."""
    rows = queries.upcoming_events(db.session, user, clock.now(), None, limit=COMMUNITY_EVENTS)
    return {"rows": rows}
