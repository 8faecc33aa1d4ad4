"""Coordinators' pages for messaging one event's attendees: write, preview, then send once.

The preview is a POST that changes nothing: it shows how many owners the message reaches
on each channel, a sample of their names and the message as the first of them will read
it, with a Send form carrying that exact text and a one-time claim. Without JavaScript each
step is a page; with htmx the composer swaps itself in place.
"""

from flask import flash, url_for
from flask_login import current_user

from portal import clock
from portal.events.forms import AttendeeMessageForm, SendAttendeeMessageForm
from portal.events.models import Event
from portal.events.services import broadcasts
from portal.extensions import db
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import audit, page_or_fragment, perform, see_other

PAGE = "admin/events/message.html"
FRAGMENT = "admin/events/_message_composer.html"


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _tz() -> str:
    return dealership()["timezone"]


def _composer(event: Event, form, preview=None, send_form=None, refused: bool = False):
    """The composer (with its preview, when there is one): the page, or for htmx the part;
    422 when the form was refused."""
    return page_or_fragment(
        PAGE,
        FRAGMENT,
        status=422 if refused or form.errors else 200,
        event=event,
        form=form,
        preview=preview,
        send_form=send_form,
    )


@bp.get("/events/<int:event_id>/message")
def events_message(event_id: int):
    """Write a message to the event's attendees; nothing is sent from here."""
    return _composer(_event_or_404(event_id), AttendeeMessageForm(formdata=None))


def _preview(event: Event, form: AttendeeMessageForm) -> broadcasts.BroadcastPreview:
    return broadcasts.preview_broadcast(
        db.session,
        event,
        audience=broadcasts.Audience(form.audience.data),
        subject=form.subject.data,
        body=form.body.data,
        tz=_tz(),
        event_url=url_for("events.show", event_id=event.id),
    )


@bp.post("/events/<int:event_id>/message/preview")
def events_message_preview(event_id: int):
    """Who the message would reach, on which channel, and what they'd read; sends nothing."""
    event = _event_or_404(event_id)
    form = AttendeeMessageForm()
    if not form.validate_on_submit():
        return _composer(event, form)
    send_form = SendAttendeeMessageForm(formdata=None, data=form.data)
    send_form.claim.data = broadcasts.new_claim()
    return _composer(event, form, _preview(event, form), send_form)


def _send(event: Event, form: SendAttendeeMessageForm) -> broadcasts.BroadcastOutcome:
    return broadcasts.send_to_attendees(
        db.session,
        event,
        sender=current_user,
        audience=broadcasts.Audience(form.audience.data),
        subject=form.subject.data,
        body=form.body.data,
        claim=form.claim.data,
        now=clock.now(),
        tz=_tz(),
        event_url=url_for("events.show", event_id=event.id),
    )


def _audit_send(event: Event, done: broadcasts.BroadcastOutcome) -> None:
    """Record who sent what to whom; a repeat of a sent preview records nothing."""
    if done.already_sent:
        return
    sent = done.message
    audience = broadcasts.AUDIENCE_LABELS[broadcasts.Audience(sent.audience)].lower()
    audit(
        "event.message",
        "event",
        event.id,
        f"Messaged {sent.recipients} attendee(s) of “{event.title}” ({audience})",
        after={
            "message_id": sent.id,
            "audience": sent.audience,
            "recipients": sent.recipients,
            "queued": len(done.notification_ids),
            "subject": sent.subject,
            "body": sent.body,
        },
    )


def _sent_note(done: broadcasts.BroadcastOutcome) -> str:
    count = done.message.recipients
    owners = f"{count} owner{'' if count == 1 else 's'}"
    if done.already_sent:
        return f"That message was already sent to {owners}; it wasn't sent again."
    return (
        f"Sent to {owners}: it's in their inbox now, and goes by email or text to those who "
        "chose that with the next delivery run."
    )


@bp.post("/events/<int:event_id>/message/send")
def events_message_send(event_id: int):
    """Send exactly the previewed message, once however often the form is submitted."""
    event = _event_or_404(event_id)
    form = SendAttendeeMessageForm()
    if not form.validate_on_submit():
        flash("That preview can't be sent as it is. Please check it and preview again.", "error")
        compose = AttendeeMessageForm()
        compose.validate()
        return _composer(event, compose, refused=True)
    outcome = perform(lambda: _send(event, form), form, then=lambda done: _audit_send(event, done))
    if not outcome.ok:
        return _composer(event, form, refused=True)
    flash(_sent_note(outcome.value), "success")
    return see_other("admin.events_show", event_id=event.id)
