"""The home page's event lines, drawn in Python, read as the template loop drew them."""

import re
from datetime import UTC, datetime

from portal.events.cards import home_lines
from portal.templating import dealership

#: The loop `events/_home.html` had before its lines were drawn in Python.
TEMPLATE_LOOP = """{% for rsvp_id, status, event_id, title, location, starts_at in events %}
      <li class="my-event">
        <div class="event-date" aria-hidden="true">
          <span class="event-month">{{ starts_at|when("%b") }}</span>
          <span class="event-day">{{ starts_at|when("%-d") }}</span>
        </div>
        <div class="my-event-body">
          <a href="{{ event_url.format(event_id) }}" class="my-event-title">{{ title }}</a>
          <span class="muted">{{ starts_at|when("%a %-d %b %Y, %-I:%M %p") }} · {{ location }}</span>
        </div>
        <div class="my-event-state">
          {% if status == "confirmed" %}<span class="tag tag-ok">Confirmed</span>
            <a href="{{ ticket_url.format(rsvp_id) }}">Ticket</a>
          {% else %}<span class="tag tag-warn">Waitlist</span>{% endif %}
        </div>
      </li>
      {% endfor %}"""  # noqa: E501 - the template's lines as they were


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def test_confirmed_and_waitlisted_lines_read_as_the_template_drew_them(app):
    events = [
        (
            11,
            "confirmed",
            3,
            'Winter <tyre> clinic & "tea"',
            "Bay 2 & 3",
            datetime(2026, 12, 10, 16, tzinfo=UTC),
        ),  # noqa: E501
        (
            12,
            "waitlisted",
            4,
            "Launch night",
            "<Showroom>",
            datetime(2027, 3, 1, 23, 30, tzinfo=UTC),
        ),  # noqa: E501
    ]
    event_url, ticket_url = "/owners/events/{}?a=1&b=2", "/owners/events/tickets/{}"
    with app.test_request_context("/"):
        expected = app.jinja_env.from_string(TEMPLATE_LOOP).render(
            events=events, event_url=event_url, ticket_url=ticket_url, dealership=dealership()
        )
        drawn = home_lines(events, event_url, ticket_url)
    assert squeezed(drawn) == squeezed(expected)
    assert drawn.count('class="tag tag-ok">Confirmed') == 1 and "Waitlist" in drawn
    assert "&lt;tyre&gt;" in drawn and "<Showroom>" not in drawn
    assert 'href="/owners/events/3?a=1&amp;b=2"' in drawn
