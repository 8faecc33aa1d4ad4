"""The event cards of the owners' events list and of the community page, and the lines of
the home page's next events, drawn in Python.

A template loop over a page of cards cost more than the rest of the page (an attribute, a
filter and an escape per value shown, on twenty cards); the owners list draws its rows the
same way (`admin.owner_list`). Titles and places are escaped; the moments come ready-made.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup

from portal.events.queries import EventRow
from portal.templating import dealership, escape_text, when

#: How a card shows its event's start: the month and the day on the calendar leaf, then the
#: moment in words ('Thu 10 Dec, 11:00 AM EST').
CARD_MONTH = "%b"
CARD_DAY = "%-d"
CARD_MOMENT = "%a %-d %b, %-I:%M %p"

#: The owner's RSVP as a card's tag, by its status; other statuses show none.
RSVP_TAGS = {
    "confirmed": '<span class="tag tag-ok">You\'re going</span>',
    "waitlisted": '<span class="tag tag-warn">On the waitlist</span>',
}
FOR_MY_CAR_TAG = '<span class="tag tag-accent">For your car</span>'


@lru_cache(maxsize=4096)
def _moments(
    starts_at: datetime, zone: str, moment: str = CARD_MOMENT
) -> tuple[Markup, Markup, Markup]:
    """A card's (or a home line's) month, day and moment, as `when` draws them in the
    dealership's `zone`: the words depend only on the moment, the zone and the format, so kept
    ones are never out of date."""
    return when(starts_at, CARD_MONTH), when(starts_at, CARD_DAY), when(starts_at, moment)


def _seats_tag(seats_left: int) -> str:
    if seats_left == 0:
        return '<span class="tag tag-muted">Full · waitlist open</span>'
    return f'<span class="tag">{seats_left:d} {"seat" if seats_left == 1 else "seats"} left</span>'


def list_cards(rows: Iterable[EventRow], event_url: str) -> Markup:
    """The events list's cards (`queries.EventRow`s); `event_url` has `{}` for the id."""
    zone = dealership()["timezone"]
    pattern = escape_text(event_url)
    parts = []
    for event_id, title, kind_label, audience, location, starts_at, seats, rsvp, mine in rows:
        month, day, moment = _moments(starts_at, zone)
        ambassadors = " · Ambassadors" if audience == "ambassadors" else ""
        parts.append(
            f"""
    <article class="card event-card{" is-for-my-car" if mine else ""}">
      <div class="event-date" aria-hidden="true">
        <span class="event-month">{month}</span>
        <span class="event-day">{day}</span>
      </div>
      <div class="event-body">
        <p class="eyebrow">{escape_text(kind_label)}{ambassadors}</p>
        <h2><a href="{pattern.format(event_id)}">{escape_text(title)}</a></h2>
        <p class="muted">{moment} · {escape_text(location)}</p>
        <p class="event-tags">
          {FOR_MY_CAR_TAG if mine else ""}
          {RSVP_TAGS.get(rsvp, "")}
          {_seats_tag(seats)}
        </p>
      </div>
    </article>"""
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def community_cards(rows: Iterable[EventRow], event_url: str) -> Markup:
    """The community page's next events (`queries.EventRow`s), without the seats left; each
    card is labelled by its heading. `event_url` has `{}` for the id."""
    zone = dealership()["timezone"]
    pattern = escape_text(event_url)
    parts = []
    for event_id, title, kind_label, _, location, starts_at, _, rsvp, mine in rows:
        month, day, moment = _moments(starts_at, zone)
        tags = ""
        if mine or rsvp:
            tags = f"""
        <p class="event-tags">
          {FOR_MY_CAR_TAG if mine else ""}
          {RSVP_TAGS.get(rsvp, "")}
        </p>"""
        parts.append(
            f"""
        <article class="card event-card{" is-for-my-car" if mine else ""}" aria-labelledby="community-event-{event_id:d}">
          <div class="event-date" aria-hidden="true">
            <span class="event-month">{month}</span>
            <span class="event-day">{day}</span>
          </div>
          <div class="event-body">
            <p class="eyebrow">{escape_text(kind_label)}</p>
            <h3 id="community-event-{event_id:d}"><a href="{pattern.format(event_id)}">{escape_text(title)}</a></h3>
            <p class="muted">{moment} · {escape_text(location)}</p>{tags}
          </div>
        </article>"""  # noqa: E501 - the markup as the page shows it
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


#: How a home-page line shows its event's start in words ('Thu 10 Dec 2026, 11:00 AM EST').
HOME_MOMENT = "%a %-d %b %Y, %-I:%M %p"


def home_lines(rows: Iterable[tuple], event_url: str, ticket_url: str) -> Markup:
    """The home page's lines for the owner's next events (`events.next_events_read`'s rows:
    RSVP id, status, event id, title, place, start). `event_url` has `{}` for the event's id,
    `ticket_url` for the RSVP's."""
    zone = dealership()["timezone"]
    event_pattern, ticket_pattern = escape_text(event_url), escape_text(ticket_url)
    parts = []
    for rsvp_id, status, event_id, title, location, starts_at in rows:
        month, day, moment = _moments(starts_at, zone, HOME_MOMENT)
        if status == "confirmed":
            state = f"""<span class="tag tag-ok">Confirmed</span>
            <a href="{ticket_pattern.format(rsvp_id)}">Ticket</a>"""
        else:
            state = '<span class="tag tag-warn">Waitlist</span>'
        parts.append(
            f"""
      <li class="my-event">
        <div class="event-date" aria-hidden="true">
          <span class="event-month">{month}</span>
          <span class="event-day">{day}</span>
        </div>
        <div class="my-event-body">
          <a href="{event_pattern.format(event_id)}" class="my-event-title">{escape_text(title)}</a>
          <span class="muted">{moment} · {escape_text(location)}</span>
        </div>
        <div class="my-event-state">
          {state}
        </div>
      </li>"""  # noqa: E501 - the markup as the page shows it
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
