"""The home page's lines for the owner's most pressing reminders, drawn in Python as the
reminders page's cards are (`reminders.cards`)."""

from typing import Any

from markupsafe import Markup

from portal.reminders.cards import dom_id
from portal.reminders.rules import Kind, Reminder, Status
from portal.templating import escape_text, when

#: A home-page line's tag, by what the reminder asks.
_TELL_US_TAG = '<span class="tag tag-muted">Tell us</span>'
_DUE_SOON_TAG = '<span class="tag tag-warn">Due soon</span>'
_OVERDUE_TAGS = {
    Kind.RECALL: '<span class="tag tag-danger">Open recall</span>',
    None: '<span class="tag tag-danger">Overdue</span>',
}


def home_lines(pressing: list[tuple[Reminder, Any]], reminders_url: str) -> Markup:
    """The home page's lines for the owner's most pressing reminders (`(reminder, car)`, the
    car None for the owner's own), each linking to its card on the reminders page at
    `reminders_url`. Drawn here as the cards are: the template's loop over three lines cost
    more than the rest of its section."""
    url = escape_text(reminders_url)
    parts = []
    for reminder, car in pressing:
        if reminder.asks_last_service:
            tag = _TELL_US_TAG
        elif reminder.status == Status.OVERDUE:
            tag = _OVERDUE_TAGS.get(reminder.kind, _OVERDUE_TAGS[None])
        else:
            tag = _DUE_SOON_TAG
        whose = escape_text(car.label) if car else "for you"
        parts.append(
            f"""
        <li>
          {tag}
          <a href="{url}#{dom_id(reminder.key)}">{escape_text(reminder.what)}</a>
          <span class="muted">· {whose} · {when(reminder.due_on)}</span>
        </li>"""
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
