"""The door: coordinators check attendees in from the event's check-in page (search as you
type, or the camera), a ticket's QR link or the attendee list, with the guests who came, and
undo a mistaken check-in on the day.

Opening a ticket's link only shows the ticket: checking in is a POST, so a link preview or
a curious tap changes nothing.
"""

from flask import abort, flash, get_flashed_messages, render_template, request
from flask_login import current_user

from portal import clock
from portal.events import attendee_list, attendee_table, door_search, queries, question_queries
from portal.events.forms import CheckInForm
from portal.events.links import row_pattern
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.events.rules import (
    already_checked_in_note,
    check_in_closes_at,
    check_in_opens_at,
    check_in_refusal,
    checked_in_note,
    no_seat_note,
)
from portal.events.services import checkin
from portal.extensions import db
from portal.forms import EmptyForm
from portal.links import url_pattern
from portal.templating import dealership
from portal.web import (
    Outcome,
    audit,
    found_or_404,
    page_or_fragment,
    perform,
    see_other,
    wants_fragment,
)
from portal.web import admin_bp as bp


def _tz() -> str:
    return dealership()["timezone"]


def _ticket_or_404(code: str) -> Rsvp:
    return found_or_404(queries.rsvp_by_ticket(db.session, code))


def _check_in(rsvp: Rsvp, form: CheckInForm, how: str) -> Outcome[checkin.CheckIn]:
    """Check the attendee in (once), audited when this call let them in."""
    return perform(
        lambda: checkin.check_in(
            db.session,
            rsvp_id=rsvp.id,
            staff_id=current_user.id,
            now=clock.now(),
            guests=form.guests.data,
        ),
        form,
        then=lambda done: _audit_check_in(done, how),
    )


def _audit_check_in(done: checkin.CheckIn, how: str) -> None:
    if not done.first_time:
        return
    rsvp = done.rsvp
    audit(
        "rsvp.check_in",
        "rsvp",
        rsvp.id,
        f"Checked {rsvp.person.name} in to “{rsvp.event.title}” {how}",
        before={"status": RsvpStatus.CONFIRMED.value, "checked_in_at": None},
        after={
            "status": rsvp.status,
            "checked_in_at": rsvp.checked_in_at,
            "arrived_guests": rsvp.arrived_guests,
        },
    )


def _say(done: checkin.CheckIn) -> None:
    """Flash what the check-in did: they are in, or who let them in before and when."""
    if done.first_time:
        flash(checked_in_note(done.rsvp), "success")
    else:
        flash(already_checked_in_note(done.rsvp, _tz()), "warning")


def _undo(rsvp: Rsvp, how: str) -> Outcome[Rsvp]:
    """Undo the attendee's check-in, audited; the attendance points are reversed."""
    before = {"status": RsvpStatus.ATTENDED.value, "checked_in_at": rsvp.checked_in_at}
    outcome = perform(
        lambda: checkin.undo_check_in(db.session, rsvp_id=rsvp.id, now=clock.now()),
        then=lambda undone: audit(
            "rsvp.undo_check_in",
            "rsvp",
            undone.id,
            f"Undid {undone.person.name}'s check-in to “{undone.event.title}” {how}",
            before=before,
            after={"status": undone.status, "checked_in_at": None},
        ),
    )
    if outcome.ok:
        name = outcome.value.person.name
        flash(
            f"Undone: {name} is no longer checked in, and their attendance points are taken "
            "back. Their seat is still theirs.",
            "success",
        )
    return outcome


def door_window(event: Event) -> dict:
    """Whether the door is open: the refusal if not, and when it opens while it is still to."""
    tz, now = _tz(), clock.now()
    opens_hours = int(dealership()["check_in_opens_hours"])
    refusal = check_in_refusal(event, now, tz, opens_hours)
    opens_at = check_in_opens_at(event, opens_hours)
    return {
        "refusal": refusal,
        "opens_at": opens_at if refusal and now < opens_at else None,
        "opens_hours": opens_hours,
        "closed": now >= check_in_closes_at(event, tz),
        "can_undo": now < check_in_closes_at(event, tz),
    }


def undo_open(event: Event) -> bool:
    """Whether a check-in to the event may still be undone (until the end of its day)."""
    return clock.now() < check_in_closes_at(event, _tz())


def row_urls(event_id: int) -> dict[str, str]:
    """The attendee list's per-row actions as URL patterns (`row_pattern`), as
    `attendee_table.row_actions` takes them: two `url_for` calls for a row's answer."""
    return {
        name: row_pattern(url_pattern(endpoint, "rsvp_id", event_id=event_id))
        for name, endpoint in (
            ("check_in_url", "admin.events_check_in"),
            ("undo_url", "admin.events_check_in_undo"),
        )
    }


def ticket_state(rsvp: Rsvp) -> dict:
    """What the door shows for one ticket: the window, who let them in, whether to undo."""
    attended = rsvp.status == RsvpStatus.ATTENDED
    window = door_window(rsvp.event)
    return window | {
        "no_seat": None if attended or rsvp.status == RsvpStatus.CONFIRMED else no_seat_note(rsvp),
        "already": already_checked_in_note(rsvp, _tz()) if attended else None,
        "can_undo": attended and window["can_undo"],
    }


@bp.get("/events/checkin/<code>")
def events_checkin(code: str):
    """What a ticket's QR code opens: the ticket and a Check-in button; nothing changes."""
    rsvp = _ticket_or_404(code)
    # Straight after checking them in here, the page confirms it rather than warning.
    just_now = checked_in_note(rsvp) in get_flashed_messages(category_filter=["success"])
    return render_template(
        "admin/events/checkin.html",
        rsvp=rsvp,
        event=rsvp.event,
        code=code,
        form=CheckInForm(guests=rsvp.guests),
        undo_form=EmptyForm(),
        just_now=just_now,
        **ticket_state(rsvp),
    )


@bp.post("/events/checkin/<code>")
def events_checkin_post(code: str):
    """Check the ticket's holder in, with the guests who came; says so if they were in."""
    rsvp = _ticket_or_404(code)
    form = CheckInForm()
    if form.validate_on_submit():
        outcome = _check_in(rsvp, form, "from their ticket")
        if outcome.ok:
            _say(outcome.value)
            return see_other("admin.events_checkin", code=code)
    return render_template(
        "admin/events/checkin.html",
        rsvp=rsvp,
        event=rsvp.event,
        code=code,
        form=form,
        undo_form=EmptyForm(),
        just_now=False,
        **ticket_state(rsvp),
    ), 422


@bp.post("/events/checkin/<code>/undo")
def events_checkin_undo(code: str):
    """Undo the ticket holder's check-in (on the event's day)."""
    rsvp = _ticket_or_404(code)
    if EmptyForm().validate_on_submit():
        _undo(rsvp, "from their ticket")
    return see_other("admin.events_checkin", code=code)


@bp.post("/events/<int:event_id>/rsvps/<int:rsvp_id>/check-in")
def events_check_in(event_id: int, rsvp_id: int):
    """Check an attendee in from the list (the row updates in place with htmx)."""
    rsvp = found_or_404(queries.event_rsvp(db.session, event_id, rsvp_id))
    form = CheckInForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = _check_in(rsvp, form, "from the attendee list")
    if wants_fragment():
        return _list_row(event_id, rsvp_id, outcome)
    if outcome.ok:
        _say(outcome.value)
    return see_other("admin.events_show", event_id=event_id)


def _list_row(event_id: int, rsvp_id: int, outcome: Outcome):
    """The attendee's row on the list again, with the counts out of band (htmx)."""
    get_flashed_messages()  # the row itself says what happened
    rsvp = db.session.get(Rsvp, rsvp_id)
    event = rsvp.event
    rows = attendee_table.draw_rows(
        [attendee_list.attendee_row(rsvp)],
        question_queries.answer_sheet(db.session, event, [rsvp]),
        attendee_table.row_actions(event, undo_open(event), **row_urls(event_id)),
        note=outcome.error.message if outcome.error else None,
    )
    return render_template(
        "admin/events/_check_in_response.html",
        rows=rows,
        event=event,
        counts=queries.seat_counts(db.session, [event_id])[event_id],
    )


@bp.post("/events/<int:event_id>/rsvps/<int:rsvp_id>/undo-check-in")
def events_check_in_undo(event_id: int, rsvp_id: int):
    """Undo a check-in from the attendee list (on the event's day), as the door can."""
    rsvp = found_or_404(queries.event_rsvp(db.session, event_id, rsvp_id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = _undo(rsvp, "from the attendee list")
    if wants_fragment():
        return _list_row(event_id, rsvp_id, outcome)
    return see_other("admin.events_show", event_id=event_id)


# --- The event's check-in page -----------------------------------------------------------


def _search_text(source) -> str:
    return source.get("q", "").strip()[:200]


def _door_context(event: Event) -> dict:
    """What every part of the check-in page needs: the window, the counts, the forms."""
    return door_window(event) | {
        "event": event,
        "counts": door_search.door_counts(db.session, event.id),
        "form": CheckInForm(),
        "undo_form": EmptyForm(),
    }


@bp.get("/events/<int:event_id>/door")
def events_door(event_id: int):
    """The phone-first check-in page: search as you type, scan a ticket, arrived of expected."""
    event = db.get_or_404(Event, event_id)
    q = _search_text(request.args)
    found = door_search.door_search(db.session, event, q)
    return page_or_fragment(
        "admin/events/door.html",
        "admin/events/_door_results.html",
        q=q,
        found=found,
        answers=question_queries.answer_sheet(db.session, event, [r.rsvp for r in found.rows]),
        **_door_context(event),
    )


def _door_answer(event_id: int, rsvp_id: int, note: str | None):
    """The person's card again (htmx, with the counts out of band), or back to the search."""
    if not wants_fragment():
        return see_other(
            "admin.events_door", event_id=event_id, q=_search_text(request.form) or None
        )
    get_flashed_messages()  # the card itself says what happened
    rsvp = db.session.get(Rsvp, rsvp_id)
    return render_template(
        "admin/events/_door_answer.html",
        row=queries.Attendee(rsvp, rsvp.person, None),
        q=_search_text(request.form),
        note=note,
        answers=question_queries.answer_sheet(db.session, rsvp.event, [rsvp]),
        **_door_context(rsvp.event),
    )


def _note(outcome: Outcome) -> str | None:
    """What the card says beyond its state: a refusal, or who let them in before."""
    if outcome.error:
        return outcome.error.message
    done = outcome.value
    if isinstance(done, checkin.CheckIn) and not done.first_time:
        return already_checked_in_note(done.rsvp, _tz())
    return None


@bp.post("/events/<int:event_id>/door/<int:rsvp_id>/check-in")
def events_door_check_in(event_id: int, rsvp_id: int):
    """Check someone in from the check-in page, with the guests who came."""
    rsvp = found_or_404(queries.event_rsvp(db.session, event_id, rsvp_id))
    form = CheckInForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = _check_in(rsvp, form, "at the door")
    if outcome.ok:
        _say(outcome.value)
    return _door_answer(event_id, rsvp_id, _note(outcome))


@bp.post("/events/<int:event_id>/door/<int:rsvp_id>/undo")
def events_door_undo(event_id: int, rsvp_id: int):
    """Undo a check-in from the check-in page (on the event's day)."""
    rsvp = found_or_404(queries.event_rsvp(db.session, event_id, rsvp_id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _door_answer(event_id, rsvp_id, _note(_undo(rsvp, "at the door")))
