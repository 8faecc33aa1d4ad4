"""The staff's attendee list as its table shows it: the rows drawn in Python (the event's page
and the answer to a check-in or an undo from the list draw them here, the same way), and the
pager's links worked out once per page, which `admin/events/_attendees.html` places.

A template loop with a macro for the answers cost the event's page more than the rest of it:
every `{{ }}` goes through the escape function, every `{% if %}` through the runtime. Here each
text from the database is escaped once, and the tags, the row's forms and the answers' markup
are the templates' own (`tests/events/test_attendee_rows.py` holds the rows they drew).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup

from portal.events.attendee_list import AttendeeRow
from portal.events.models import Event, EventStatus, RsvpStatus
from portal.events.question_queries import AnswerSheet
from portal.forms import kept_csrf_token
from portal.links import with_query
from portal.paging import ListPage
from portal.templating import escape_text, when

#: The status tags of a row (a waitlisted RSVP's carries its place in the queue).
ATTENDED_TAG = '<span class="tag tag-ok">Attended</span>'
CONFIRMED_TAG = '<span class="tag">Confirmed</span>'
CANCELLED_TAG = '<span class="tag tag-muted">Cancelled</span>'
VIP_TAG = '<span class="tag tag-ok">VIP seat</span>'
VISITOR_TAG = ' <span class="tag tag-accent">Visitor</span>'
#: The check-in cell of a row with nothing to do.
NOTHING_TO_DO = '<span class="muted">—</span>'
#: How a check-in's time reads: '6:05 PM EST'.
CHECKED_IN_TIME = "%-I:%M %p"
#: A question's label ending in one of these is shown as it is; others get a colon.
LABEL_ENDINGS = ("?", ":", ".")


@dataclass(frozen=True, slots=True)
class RowActions:
    """What a row's forms need, worked out once for the list: the session's CSRF token, and the
    check-in and undo URL patterns (`%d` where the RSVP's id goes, escaped), None where the
    event does not offer that action now."""

    token: str
    check_in: str | None
    undo: str | None


def row_actions(event: Event, can_undo: bool, check_in_url: str, undo_url: str) -> RowActions:
    """The rows' actions: check-in while the event is published, undo while `can_undo`
    (`door.undo_open`); the URLs are patterns with `%d` (`links.row_pattern`)."""
    open_event = event.status == EventStatus.PUBLISHED
    return RowActions(
        escape_text(kept_csrf_token()),
        escape_text(check_in_url) if open_event else None,
        escape_text(undo_url) if can_undo else None,
    )


def _form(action: str, rsvp_id: int, token: str, button: str) -> str:
    return f"""
      <form method="post" action="{action}" hx-post="{action}" hx-target="#rsvp-{rsvp_id}" hx-swap="outerHTML" class="inline-form">
        <input name="csrf_token" type="hidden" value="{token}">
        <button type="submit" class="button button-small button-secondary">{button}</button>
      </form>"""  # noqa: E501 - the form's markup as the page shows it


def answer_lines(lines: list[tuple[str, str, str]]) -> str:
    """An attendee's answers under their name (`AnswerSheet.lines_for`), escaped: the markup
    of the `attendee_answers` macro (`admin/events/_attendee_answers.html`)."""
    parts = []
    for label, value, note in lines:
        colon = "" if label[-1:] in LABEL_ENDINGS else ":"
        remark = f' <span class="tag tag-muted">{escape_text(note)}</span>' if note else ""
        parts.append(
            f"\n    <div><dt>{escape_text(label)}{colon}</dt> "
            f"<dd>{escape_text(value)}{remark}</dd></div>"
        )
    return f'\n  <dl class="attendee-answers">{"".join(parts)}\n  </dl>\n'


def draw_rows(
    rows: Iterable[AttendeeRow],
    answers: AnswerSheet,
    actions: RowActions,
    note: str | None = None,
) -> Markup:
    """The list's rows (`attendee_list.AttendeeRow`s) with their answers and actions; `note`
    under the check-in cell says how an action on the row went. Every text is escaped."""
    any_answers = bool(answers.answers or answers.guest_names)
    remark = f'\n    <p class="error" role="alert">{escape_text(note)}</p>' if note else ""
    token, check_in, undo = actions.token, actions.check_in, actions.undo
    parts = []
    for rsvp_id, status, guests, checked_in_at, vip_seat, is_guest, name, email, position in rows:
        name = escape_text(name)
        lines = answers.lines_for(rsvp_id, guests) if any_answers else None
        if status == RsvpStatus.ATTENDED:
            tag = ATTENDED_TAG
        elif status == RsvpStatus.CONFIRMED:
            tag = CONFIRMED_TAG
        elif status == RsvpStatus.WAITLISTED:
            tag = f'<span class="tag tag-warn">Waitlist{f" #{position}" if position else ""}</span>'
        else:
            tag = CANCELLED_TAG
        if checked_in_at:
            cell = f'<span class="checked-in">✓ {when(checked_in_at, CHECKED_IN_TIME)}</span>'
            if undo and status == RsvpStatus.ATTENDED:
                button = f'Undo<span class="visually-hidden"> {name}\'s check-in</span>'
                cell += _form(undo % rsvp_id, rsvp_id, token, button)
        elif check_in and status == RsvpStatus.CONFIRMED:
            button = f'Check in<span class="visually-hidden"> {name}</span>'
            cell = _form(check_in % rsvp_id, rsvp_id, token, button)
        else:
            cell = NOTHING_TO_DO
        parts.append(
            f"""
<tr id="rsvp-{rsvp_id}">
  <td><strong>{name}</strong>{VISITOR_TAG if is_guest else ""}<br><span class="muted">{escape_text(email)}</span>{answer_lines(lines) if lines else ""}</td>
  <td>
    {tag}
    {VIP_TAG if vip_seat else ""}
  </td>
  <td class="num">{guests}</td>
  <td>
    {cell}{remark}
  </td>
</tr>"""  # noqa: E501 - the row's markup as the page shows it
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


class PagerLinks(NamedTuple):
    """The pager under the table: "Page 2 of 7" (or "of 7+"), `prev`/`next` None at either end."""

    page: int
    pages: str
    prev: str | None
    next: str | None


def pager_links(list_url: str, page: ListPage, text: str, shown: str) -> PagerLinks | None:
    """The pager's links for `page` of the list at `list_url`, the search and the filter kept
    (the links `url_for` writes, as the `pager` macro has them); None for a list of one page."""
    if page.pages <= 1:
        return None

    def page_url(number: int) -> str:
        kept = (("q", text or None), ("show", None if shown == "all" else shown))
        return with_query(list_url, ("page", number), *kept) + "#attendees"

    return PagerLinks(
        page.page,
        f"{page.pages}" if page.exact else f"{page.pages}+",
        page_url(page.prev_num) if page.has_prev else None,
        page_url(page.next_num) if page.has_next else None,
    )
