"""Owners' event pages: the list, an event, RSVPs, tickets, My events and an event's .ics."""

from typing import NamedTuple

import segno
from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.events import bp, event_reads, queries, registration
from portal.events.calendar_views import calendar_body, ics_response
from portal.events.cards import home_lines, list_cards
from portal.events.forms import GuestRsvpForm, GuestsForm
from portal.events.models import KIND_LABELS, Rsvp
from portal.events.rules import has_live_ticket, rsvp_window, undo_cancel_offer, undo_cancel_until
from portal.events.services import rsvps, undoing
from portal.events.tokens import TICKET, derive_token
from portal.extensions import db
from portal.forms import EmptyForm
from portal.links import kept_per_mount, url_pattern, with_query
from portal.sections import render_sections
from portal.templating import dealership
from portal.web import (
    found_or_404,
    page_number,
    page_or_fragment,
    perform,
    perform_in_form,
    see_other,
    wants_fragment,
)


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


class EventListLinks(NamedTuple):
    """Where the events list links to: itself, My events, an event (`{}` for its id)."""

    events: str
    my_events: str
    event: str


#: Where the app keeps the list's links (`app.extensions[...]`), by the path it is mounted at.
_KEPT_LINKS = "portal.event_list_links"


def _list_links() -> EventListLinks:
    """The list's links, built once per mount point and kept (`web.kept_per_mount`)."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: EventListLinks(
            events=url_for("events.index"),
            my_events=url_for("events.my_events"),
            event=url_pattern("events.show", "event_id"),
        ),
    )


@bp.route("/events")
def index():
    """Upcoming events this person may see, filtered by kind; events for their car first."""
    kind = request.args.get("kind") or None
    if kind not in KIND_LABELS:
        kind = None
    page, per_page = page_number(), queries.LIST_LIMIT
    # One row past the page says whether there is a next page, without counting the list.
    rows = queries.upcoming_events(
        db.session, current_user, clock.now(), kind, per_page + 1, (page - 1) * per_page
    )
    shown, has_next = rows[:per_page], len(rows) > per_page
    links = _list_links()
    # The pager's links as `more_pager` writes them: the kind first, page 1 without `?page=`.
    return page_or_fragment(
        "events/index.html",
        "events/_event_list.html",
        rows=shown,
        cards=list_cards(shown, links.event),
        page=page,
        first_url=with_query(links.events, ("kind", kind)),
        prev_url=(
            with_query(links.events, ("kind", kind), ("page", page - 1 if page > 2 else None))
            if page > 1
            else None
        ),
        next_url=with_query(links.events, ("kind", kind), ("page", page + 1)) if has_next else None,
        links=links,
        kind=kind,
        kinds=KIND_LABELS,
    )


def _event_page_or_404(event_id: int) -> event_reads.EventPage:
    """The event with the viewer's RSVP as ORM objects, for an action that changes them."""
    return found_or_404(event_reads.event_for_viewer(db.session, current_user, event_id))


def _shown_event_or_404(event_id: int) -> event_reads.EventPage:
    """The event with the viewer's RSVP as plain values, for a page that only shows them."""
    viewer = current_user._get_current_object()  # the user itself: the rules read it often
    return found_or_404(event_reads.event_page(db.session, viewer, event_id))


class EventLinks(NamedTuple):
    """The event page's links to itself and its actions (`{}` for the event's id)."""

    events: str
    show: str
    ics: str
    rsvp: str


class RsvpLinks(NamedTuple):
    """The RSVP box's links for the viewer's RSVP (`{}` for its id)."""

    ticket: str
    cancel: str
    undo_cancel: str
    change_guests: str
    answers: str


#: Where the app keeps the event page's link patterns, by the path it is mounted at.
_KEPT_PAGE_LINKS = "portal.event_page_links"


def _link_patterns() -> tuple[EventLinks, RsvpLinks]:
    """The event page's link patterns, built once per mount point (`web.kept_per_mount`)."""
    return kept_per_mount(
        _KEPT_PAGE_LINKS,
        lambda: (
            EventLinks(
                events=url_for("events.index"),
                show=url_pattern("events.show", "event_id"),
                ics=url_pattern("events.event_ics", "event_id"),
                rsvp=url_pattern("events.rsvp", "event_id"),
            ),
            RsvpLinks(
                ticket=url_pattern("events.ticket", "rsvp_id"),
                cancel=url_pattern("events.cancel", "rsvp_id"),
                undo_cancel=url_pattern("events.undo_cancel", "rsvp_id"),
                change_guests=url_pattern("events.change_guests", "rsvp_id"),
                answers=url_pattern("events.answers", "rsvp_id"),
            ),
        ),
    )


def _page_links(page: event_reads.EventPage) -> dict:
    """The links of this event's page and of the viewer's RSVP on it (None without one): the
    URLs `url_for` writes, from patterns kept per mount point."""
    event_patterns, rsvp_patterns = _link_patterns()
    event_id, rsvp = page.event.id, page.rsvp
    return {
        "links": EventLinks._make(pattern.format(event_id) for pattern in event_patterns),
        "rsvp_links": (
            RsvpLinks._make(pattern.format(rsvp.id) for pattern in rsvp_patterns)
            if rsvp is not None
            else None
        ),
    }


def _box_context(
    page: event_reads.EventPage,
    form: GuestsForm | None = None,
    note: str = "",
    confirming: bool = False,
) -> dict:
    """What the RSVP box needs to render for the current person.

    `confirming`: the box asks whether to cancel instead of offering its actions.
    """
    now = clock.now()
    viewer = current_user._get_current_object()
    refusal, opens_at = rsvp_window(page.event, viewer, now, dealership()["timezone"])
    rsvp = page.rsvp
    return registration.box_context(page.event, rsvp, form, page.asks_questions) | {
        "page": page,
        "event": page.event,
        "rsvp": rsvp,
        "refusal": refusal,
        "opens_at": opens_at,
        "note": note,
        "now": now,
        "confirming": confirming,
        "undo": undo_cancel_offer(rsvp, page.event, now),
        "undo_until": undo_cancel_until(rsvp) if rsvp else None,
        **_page_links(page),
    }


@bp.route("/events/<int:event_id>")
def show(event_id: int):
    """One event: details, seats left and the viewer's own RSVP."""
    page = _shown_event_or_404(event_id)
    sections = render_sections("event", page.event)
    # Only a visitor is offered the visitor's RSVP form.
    guest_form = None if current_user.is_authenticated else GuestRsvpForm()
    context = _box_context(page) | {"guest_form": guest_form}
    return render_template("events/show.html", **context, sections=sections)


def _after_action(event_id: int, note: str, form: GuestsForm | None = None, status: int = 200):
    """The RSVP box (and seats left, out of band) for htmx; otherwise back to the page."""
    if wants_fragment():
        context = _box_context(_shown_event_or_404(event_id), form, note)
        return render_template("events/_rsvp_response.html", **context), status
    flash(note, "error" if status >= 400 else "success")
    return see_other("events.show", event_id=event_id)


def _form_trouble(page: event_reads.EventPage, note: str, form):
    """The RSVP form again with a message next to each field that needs another look: the box
    for htmx, the whole event page otherwise (422 either way)."""
    context = _box_context(page, form, note)
    if wants_fragment():
        return render_template("events/_rsvp_response.html", **context), 422
    sections = render_sections("event", page.event)
    return render_template("events/show.html", **context, sections=sections), 422


def _run(event_id: int, action, form: GuestsForm, field: str | None = "guests"):
    """Run an RSVP action as the request's transaction; the box (or a flash) says how it went.

    A refusal goes next to the guests field (or, with no `field`, above the form's fields)
    rather than into a flash: the box shows it.
    """
    outcome = perform(action, form, field) if field else perform_in_form(action, form)
    if outcome.ok:
        return _after_action(event_id, outcome.value.message, form)
    return _after_action(event_id, outcome.error.message, form, 422)


@bp.post("/events/<int:event_id>/rsvp")
@login_required
def rsvp(event_id: int):
    """RSVP in one click: a seat if one is free, the waitlist otherwise."""
    page = _event_page_or_404(event_id)
    form, asked, trouble = registration.posted_rsvp_form(page.event)
    if trouble:
        return _form_trouble(page, trouble, form)
    return _run(event_id, lambda: registration.with_answers(_place(page, form), form, asked), form)


def _place(page: event_reads.EventPage, form) -> rsvps.RsvpOutcome:
    return rsvps.place_rsvp(
        db.session,
        event=page.event,
        user=current_user,
        guests=form.guests.data,
        now=clock.now(),
        tz=dealership()["timezone"],
        secret_key=_secret_key(),
        event_url=url_for("events.show", event_id=page.event.id),
    )


def _own_rsvp_or_404(rsvp_id: int) -> Rsvp:
    return found_or_404(queries.owner_rsvp(db.session, current_user, rsvp_id))


def _change_own_rsvp(own: Rsvp, form: GuestsForm, change, field: str | None = "guests", **values):
    """Run `change` (cancel, undo, or new guests) on the owner's RSVP; freed seats go to the
    queue."""
    event_url = url_for("events.show", event_id=own.event_id)
    return _run(
        own.event_id,
        lambda: change(
            db.session,
            rsvp=own,
            now=clock.now(),
            secret_key=_secret_key(),
            event_url=event_url,
            **values,
        ),
        form,
        field,
    )


@bp.get("/rsvps/<int:rsvp_id>/cancel")
@login_required
def confirm_cancel(rsvp_id: int):
    """Ask before giving up a seat or a waitlist place: in the RSVP box with htmx, else a page.

    Only an RSVP that stands is asked about; any other shows the box as it is.
    """
    own = _own_rsvp_or_404(rsvp_id)
    page = _shown_event_or_404(own.event_id)
    context = _box_context(page, confirming=own.status in ("confirmed", "waitlisted"))
    return page_or_fragment("events/cancel_rsvp.html", "events/_rsvp_box.html", **context)


@bp.post("/rsvps/<int:rsvp_id>/cancel")
@login_required
def cancel(rsvp_id: int):
    """Give up a seat or waitlist place; the next person in the queue gets the seat."""
    own = _own_rsvp_or_404(rsvp_id)
    form = GuestsForm()
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _change_own_rsvp(own, form, rsvps.cancel_rsvp)


@bp.post("/rsvps/<int:rsvp_id>/undo-cancel")
@login_required
def undo_cancel(rsvp_id: int):
    """Take a cancellation back within minutes: the seat returns only if it is still free."""
    own = _own_rsvp_or_404(rsvp_id)
    form = GuestsForm()
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _change_own_rsvp(own, form, undoing.undo_cancel, field=None)


@bp.post("/rsvps/<int:rsvp_id>/guests")
@login_required
def change_guests(rsvp_id: int):
    """Bring more or fewer guests."""
    own = _own_rsvp_or_404(rsvp_id)
    form = GuestsForm()
    if not form.validate_on_submit():
        return _after_action(own.event_id, "Please choose a number of guests.", form, 422)
    return _change_own_rsvp(own, form, rsvps.change_guests, guests=form.guests.data)


def _ticket_qr(own: Rsvp) -> str:
    """The ticket's QR code (inline SVG): the check-in link the team's phone opens."""
    code = derive_token(_secret_key(), TICKET, own.ticket_nonce)
    link = url_for("admin.events_checkin", code=code, _external=True)
    return segno.make(link, error="m").svg_inline(
        scale=6, border=4, dark="#1d2430", light="#ffffff", svgclass="ticket-qr", omitsize=True
    )


@bp.route("/rsvps/<int:rsvp_id>/ticket")
@login_required
def ticket(rsvp_id: int):
    """The owner's ticket: a QR code the team scans at the door."""
    own = _own_rsvp_or_404(rsvp_id)
    qr_svg = _ticket_qr(own) if has_live_ticket(own) else None
    return render_template("events/ticket.html", rsvp=own, event=own.event, qr_svg=qr_svg)


@bp.route("/my-events")
@login_required
def my_events():
    """The owner's upcoming and past events, with tickets."""
    upcoming, past = queries.my_events(db.session, current_user, clock.now())
    return render_template("events/my_events.html", upcoming=upcoming, past=past)


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    """The event as a calendar file (STATUS:CANCELLED once it is called off)."""
    page = _event_page_or_404(event_id)
    return ics_response(calendar_body([page.event], "Owners Club"), f"event-{event_id}.ics")


def next_events_read(user) -> tuple:
    """What the home page's events section reads, in the page's one statement."""
    return queries.next_events_read(user.id, clock.now())


def next_events(user, events: list[tuple]) -> dict:
    """The owner's next few events, with the links their lines need."""
    if not events:
        return {"events": events}
    event_url, ticket_url = kept_per_mount(_KEPT_HOME_PATTERNS, _home_patterns)
    return {"events": events, "lines": home_lines(events, event_url, ticket_url)}


#: Where the app keeps the home lines' link patterns (`kept_per_mount`).
_KEPT_HOME_PATTERNS = "portal.events.home_patterns"


def _home_patterns() -> tuple[str, str]:
    return url_pattern("events.show", "event_id"), url_pattern("events.ticket", "rsvp_id")
