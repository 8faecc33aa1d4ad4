"""Coordinators' event pages: create, edit, publish, cancel, attendees, exports.

Checking people in at the door is in `portal/events/door.py`.
"""

from flask import current_app, flash, render_template, request, url_for

from portal import clock
from portal.csvsafe import csv_response
from portal.events import attendee_list, attendee_table, queries, question_queries
from portal.events.door import undo_open
from portal.events.forms import CancelEventForm, EventForm, InviteOwnersForm
from portal.events.links import event_links, filter_links
from portal.events.models import AUDIENCE_LABELS, Event, EventStatus
from portal.events.rules import invitation_note
from portal.events.services import broadcasts, invitations
from portal.events.services import planning as services
from portal.extensions import db
from portal.forms import EmptyForm
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import (
    audit,
    found_or_404,
    list_args,
    page_number,
    paginate,
    per_page,
    perform,
    see_other,
    snapshot,
    sort_params,
    wants_fragment,
)

#: The attendee list shows this many people a page (`?per_page=` asks for more or fewer).
ATTENDEES_PER_PAGE = 25
#: A search of the attendee list reads this much of what was typed.
SEARCH_LENGTH = 200

#: An owner's page lists this many of their past events.
OWNER_PAST_EVENTS = 10

#: What an event's audit entries record, before and after a change.
AUDITED_FIELDS = (*services.EDITABLE, "capacity", "status")
#: What a cancellation's audit entry records.
CANCEL_FIELDS = ("status", "cancel_message")


def _tz() -> str:
    return dealership()["timezone"]


def _event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _owner_event_url(event_id: int) -> str:
    return url_for("events.show", event_id=event_id)


def _audit_event(action: str, event: Event, summary: str, **changes) -> None:
    audit(action, "event", event.id, summary, **changes)


def _change_audited(event: Event, change, fields: tuple[str, ...], action: str, summary, form=None):
    """Run a change to the event with an audit entry of `fields` before and after it.

    `summary(value)` words the entry from what the change returned.
    """
    before = snapshot(event, fields)
    return perform(
        change,
        form,
        then=lambda value: _audit_event(
            action, event, summary(value), before=before, after=snapshot(event, fields)
        ),
    )


@bp.route("/events")
def events_index():
    """Upcoming (or past) events with seats, waitlist and check-ins at a glance."""
    past = request.args.get("past") == "1"
    sort, descending = sort_params(tuple(queries.COORDINATOR_SORTS), "date", past)
    page = paginate(queries.events_for_coordinators(clock.now(), past, sort, descending))
    return render_template(
        "admin/events/index.html",
        page=page,
        counts=queries.seat_counts(db.session, [event.id for event in page.items]),
        past=past,
        sort=sort,
        descending=descending,
        list_args=list_args(past=1 if past else None),
    )


def _details(form: EventForm) -> services.EventDetails:
    """The form's values as event details, times read in the dealership's zone."""
    return services.details_from_local(form.data, _tz())


def _event_form(event: Event | None = None) -> EventForm:
    """The event's form; on a first visit its times as wall-clock times at the dealership."""
    form = EventForm(obj=event)
    if request.method == "GET" and event is not None:
        for name in services.LOCAL_TIMES:
            form[name].data = services.utc_to_local(getattr(event, name), _tz())
    return form


@bp.route("/events/new", methods=["GET", "POST"])
def events_new():
    """A new event, saved as a draft."""
    form = _event_form()
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.create_event(db.session, _details(form), clock.now()),
            form,
            then=lambda event: _audit_event(
                "event.create",
                event,
                f"Created the event “{event.title}”",
                after=snapshot(event, AUDITED_FIELDS),
            ),
        )
        if outcome.ok:
            flash("Saved as a draft. Publish it when you're ready for owners to see it.", "success")
            return see_other("admin.events_show", event_id=outcome.value.id)
    return render_template("admin/events/form.html", form=form, event=None, tz=_tz())


def _update(event: Event, form: EventForm) -> list[int]:
    return services.update_event(
        db.session,
        event,
        _details(form),
        now=clock.now(),
        tz=_tz(),
        secret_key=current_app.config["SECRET_KEY"],
        event_url=_owner_event_url(event.id),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def events_edit(event_id: int):
    """Change an event; calendars pick the change up, owners hear about a new time or place."""
    event = _event_or_404(event_id)
    form = _event_form(event)
    if form.validate_on_submit():
        outcome = _change_audited(
            event,
            lambda: _update(event, form),
            AUDITED_FIELDS,
            "event.update",
            lambda _: f"Changed the event “{event.title}”",
            form,
        )
        if outcome.ok:
            flash("Event saved.", "success")
            return see_other("admin.events_show", event_id=event.id)
    return render_template("admin/events/form.html", form=form, event=event, tz=_tz())


def _attendee_list(found: attendee_list.EventPage) -> dict:
    """One page of the attendee list as the request asks for it (`?q=`, `?show=`, `?page=`),
    with what its rows need: the counts for the filters, the answers, the row actions."""
    event, counts = found.event, found.counts
    text = request.args.get("q", "").strip()[:SEARCH_LENGTH]
    shown = attendee_list.chosen_filter(request.args.get("show"))
    filter_counts = attendee_list.filter_counts(counts)
    page = attendee_list.attendee_page(
        db.session,
        event,
        text,
        shown,
        page_number(),
        per_page(ATTENDEES_PER_PAGE),
        filter_counts[shown],
    )
    links = event_links(event.id)
    answers = question_queries.answer_sheet(db.session, event, page.items, has_questions=found.asks)
    actions = attendee_table.row_actions(
        event, undo_open(event), check_in_url=links["check_in"], undo_url=links["undo"]
    )
    return {
        "event": event,
        "page": page,
        "rows": attendee_table.draw_rows(page.items, answers, actions),
        "pager": attendee_table.pager_links(links["page"], page, text, shown),
        "q": text,
        "shown": shown,
        "counts": counts,
        "filters": attendee_list.FILTERS,
        "filter_counts": filter_counts,
        "filter_links": filter_links(event.id, links["page"], text),
        "links": links,
        "answers": answers,
    }


@bp.route("/events/<int:event_id>")
def events_show(event_id: int):
    """The event's control page: the attendee list (paged, searchable) with check-in, actions
    and exports; a search from the page's box gets the list alone (htmx)."""
    found = found_or_404(attendee_list.event_page(db.session, event_id))
    listing = _attendee_list(found)
    if wants_fragment():
        return render_template("admin/events/_attendees.html", **listing)
    return render_template(
        "admin/events/show.html",
        **listing,
        audience_labels=AUDIENCE_LABELS,
        sent_messages=broadcasts.sent_messages(db.session, found.event) if found.messaged else [],
        message_audiences=broadcasts.AUDIENCE_LABELS,
    )


@bp.post("/events/<int:event_id>/publish")
def events_publish(event_id: int):
    """Open a draft to owners."""
    event = _event_or_404(event_id)
    if EmptyForm().validate_on_submit():
        outcome = perform(
            lambda: services.publish_event(db.session, event, clock.now()),
            then=lambda _: _audit_event(
                "event.publish",
                event,
                f"Published “{event.title}”",
                before={"status": EventStatus.DRAFT.value},
                after={"status": event.status, "published_at": event.published_at},
            ),
        )
        if outcome.ok:
            flash("Published: owners can see it and RSVP.", "success")
    return see_other("admin.events_show", event_id=event_id)


@bp.get("/events/<int:event_id>/invite")
def events_invite_preview(event_id: int):
    """Before inviting: how many owners, a sample of their names, the message; sends nothing."""
    event = _event_or_404(event_id)
    if event.status != EventStatus.PUBLISHED:
        flash("Publish the event before inviting owners.", "error")
        return see_other("admin.events_show", event_id=event_id)
    preview = invitations.preview_invitations(
        db.session, event, tz=_tz(), event_url=_owner_event_url(event.id)
    )
    form = InviteOwnersForm(formdata=None, owners=" ".join(map(str, preview.owner_ids)))
    return render_template("admin/events/invite.html", event=event, preview=preview, form=form)


def _invite(event: Event, owner_ids: set[int]) -> invitations.InviteOutcome:
    return invitations.invite_owners(
        db.session,
        event,
        owner_ids=owner_ids,
        now=clock.now(),
        tz=_tz(),
        event_url=_owner_event_url(event.id),
    )


def _audit_invitations(event: Event, outcome: invitations.InviteOutcome) -> None:
    _audit_event(
        "event.invite",
        event,
        f"Invited {len(outcome.notification_ids)} owner(s) to “{event.title}”",
        after={
            "invitations": len(outcome.notification_ids),
            "owners": outcome.invited,
            "previewed_no_longer_invitable": outcome.dropped,
            "invitable_but_not_previewed": outcome.not_previewed,
        },
    )


@bp.post("/events/<int:event_id>/invite")
def events_invite(event_id: int):
    """Send the invitations the preview showed, to exactly the owners it listed."""
    event = _event_or_404(event_id)
    form = InviteOwnersForm()
    if not form.validate_on_submit():
        flash("That preview can't be used any more. Here is a fresh one to check.", "error")
        return see_other("admin.events_invite_preview", event_id=event_id)
    outcome = perform(
        lambda: _invite(event, form.owner_ids()), then=lambda done: _audit_invitations(event, done)
    )
    if outcome.ok:
        done = outcome.value
        flash(
            invitation_note(len(done.notification_ids), done.dropped, done.not_previewed), "success"
        )
    return see_other("admin.events_show", event_id=event_id)


def _cancel(event: Event, form: CancelEventForm) -> list[int]:
    return services.cancel_event(
        db.session,
        event,
        form.message.data or "",
        now=clock.now(),
        tz=_tz(),
        event_url=url_for("events.index"),
    )


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def events_cancel(event_id: int):
    """Call the event off, with a message to everyone who RSVPed."""
    event = _event_or_404(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        outcome = _change_audited(
            event,
            lambda: _cancel(event, form),
            CANCEL_FIELDS,
            "event.cancel",
            lambda ids: f"Cancelled “{event.title}”; wrote to {len(ids)} owner(s)",
        )
        if outcome.ok:
            flash(
                f"Cancelled. We've written to {len(outcome.value)} owner(s) who RSVPed.", "success"
            )
            return see_other("admin.events_show", event_id=event_id)
    waiting = len(queries.attendees(db.session, event, include_cancelled=False))
    return render_template("admin/events/cancel.html", event=event, form=form, waiting=waiting)


#: The attendee list's CSV columns.
ATTENDEE_EXPORT_HEADER = (
    "Name",
    "Email",
    "Phone",
    "Status",
    "Waitlist place",
    "Guests",
    "Checked in",
    "Owner or visitor",
)


def _export_row(row: queries.Attendee, tz: str) -> list:
    user, rsvp = row.user, row.rsvp
    checked_in = services.utc_to_local(rsvp.checked_in_at, tz)
    kind = "Visitor" if rsvp.is_guest else "Owner"
    return [
        user.name,
        user.email,
        user.phone,
        rsvp.status,
        row.position,
        rsvp.guests,
        checked_in,
        kind,
    ]


@bp.route("/events/<int:event_id>/attendees.csv")
def events_csv(event_id: int):
    """The attendee list as CSV, a column per registration question; no cell can run as a
    spreadsheet formula."""
    event = _event_or_404(event_id)
    rows = queries.attendees(db.session, event)
    answers = question_queries.answer_sheet(db.session, event)
    tz = _tz()
    return csv_response(
        f"event-{event.id}-attendees.csv",
        (*ATTENDEE_EXPORT_HEADER, *answers.header()),
        (_export_row(row, tz) + answers.cells(row.rsvp) for row in rows),
    )


@bp.route("/events/<int:event_id>/sheet")
def events_sheet(event_id: int):
    """A printable check-in sheet: confirmed attendees, name order, a box to tick."""
    event = _event_or_404(event_id)
    rows = queries.check_in_sheet(db.session, event)
    return render_template("admin/events/sheet.html", event=event, rows=rows)


def owner_events(owner) -> dict:
    """An owner's RSVPs, cancelled ones included, upcoming and past (one query)."""
    upcoming, past = queries.my_events(db.session, owner, clock.now(), include_cancelled=True)
    return {"upcoming": upcoming, "past": past[:OWNER_PAST_EVENTS], "past_total": len(past)}
