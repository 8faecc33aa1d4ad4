"""Visitors' pages for an RSVP without an account: ask, confirm from the email, cancel.

Opening a link from the email only shows a page; confirming and cancelling are POSTs from
the buttons on it, so a mail scanner or link preview that fetches the link changes nothing.
"""

from flask import abort, current_app, flash, render_template, request, session, url_for
from flask_login import current_user

from portal import clock
from portal.events import bp
from portal.events.forms import GuestRsvpForm
from portal.events.models import Audience, Event, EventStatus
from portal.events.services import guests, rsvps
from portal.extensions import db, limiter
from portal.forms import EmptyForm
from portal.web import found_or_404, perform, see_other

#: Where a visitor's session keeps the invite they came through (written by referrals'
#: landing page; events only carries it along to the listeners, unread).
INVITE_SESSION_KEY = "invite"


def _email_key() -> str:
    """Rate-limit key: the email a visitor's RSVP is for (lower-cased)."""
    return "guest-rsvp:" + (request.form.get("email") or "").strip().lower()[:254]


def _public_event_or_404(event_id: int) -> Event:
    """A published (or called-off) event open to everyone; any other is not found."""
    event = db.session.get(Event, event_id)
    if event is None or event.audience != Audience.PUBLIC or event.status == EventStatus.DRAFT:
        abort(404)
    return event


def _invite() -> dict | None:
    invite = session.get(INVITE_SESSION_KEY)
    return invite if isinstance(invite, dict) else None


@bp.post("/events/<int:event_id>/visit")
@limiter.limit("10 per hour")
@limiter.limit("3 per hour", key_func=_email_key)
def guest_rsvp(event_id: int):
    """A visitor asks for a place: an email with a confirmation link goes out."""
    event = _public_event_or_404(event_id)
    if current_user.is_authenticated:
        return see_other("events.show", event_id=event_id)
    form = GuestRsvpForm()
    if form.validate_on_submit():
        outcome = perform(
            lambda: guests.request_guest_rsvp(
                db.session,
                event=event,
                name=form.name.data,
                email=form.email.data,
                guests=form.guests.data or 0,
                invite=_invite(),
                now=clock.now(),
            ),
            form,
            "email",
        )
        if outcome.ok:
            flash(outcome.value.message, "success")
            return see_other("events.show", event_id=event_id)
    return render_template("events/guest_ask.html", event=event, guest_form=form), 422


def _request_or_404(token: str) -> tuple[dict, Event]:
    request_ = found_or_404(guests.read_request(token))
    return request_, _public_event_or_404(request_["e"])


@bp.route("/events/visit/confirm/<token>")
@limiter.limit("60 per minute")
def guest_confirm(token: str):
    """What the emailed link opens: the RSVP asked for, and a Confirm button."""
    request_, event = _request_or_404(token)
    return render_template(
        "events/guest_confirm.html", event=event, ask=request_, token=token, form=EmptyForm()
    )


@bp.post("/events/visit/confirm/<token>")
@limiter.limit("20 per hour")
def guest_confirm_post(token: str):
    """Confirm: a seat if one is free, the waitlist otherwise; an email says which."""
    request_, event = _request_or_404(token)
    if EmptyForm().validate_on_submit():
        outcome = perform(
            lambda: guests.confirm_guest_rsvp(
                db.session,
                event=event,
                request=request_,
                now=clock.now(),
                secret_key=current_app.config["SECRET_KEY"],
            )
        )
        if outcome.ok:
            flash(outcome.value.message, "success")
    return see_other("events.show", event_id=event.id)


@bp.route("/events/visit/cancel/<token>")
@limiter.limit("60 per minute")
def guest_cancel(token: str):
    """What the cancel link in the email opens: the place, and a button to give it up."""
    rsvp = found_or_404(guests.rsvp_from_cancel_token(db.session, token))
    return render_template("events/guest_cancel.html", rsvp=rsvp, token=token, form=EmptyForm())


@bp.post("/events/visit/cancel/<token>")
@limiter.limit("20 per hour")
def guest_cancel_post(token: str):
    """Give the place up; the seat goes to the next in the queue at once."""
    rsvp = found_or_404(guests.rsvp_from_cancel_token(db.session, token))
    if EmptyForm().validate_on_submit():
        event_url = url_for("events.show", event_id=rsvp.event_id)
        outcome = perform(
            lambda: rsvps.cancel_rsvp(
                db.session,
                rsvp=rsvp,
                now=clock.now(),
                secret_key=current_app.config["SECRET_KEY"],
                event_url=event_url,
            )
        )
        if outcome.ok:
            flash("Your place is cancelled. Thanks for letting us know.", "success")
    return see_other("events.show", event_id=rsvp.event_id)
