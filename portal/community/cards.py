"""The community page's announcements, drawn in Python.

A template loop over a page of announcements cost half a million instructions a view (an
attribute, a test, a filter and an escape per value shown, on ten cards), about a tenth of
the page; the events' cards are drawn the same way (`events.cards`). Titles, makes and
models are escaped; the body is the sanitised HTML stored with the announcement
(`queries.ShownAnnouncement.body`); the date comes from `when`, kept per day and zone.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup

from portal.community.queries import ShownAnnouncement
from portal.templating import dealership, escape_text, when

#: How a card dates its announcement: '24 October 2026'.
PUBLISHED = "%-d %B %Y"


@lru_cache(maxsize=4096)
def _published(published_at: datetime, zone: str) -> Markup:
    """The card's date as `when` draws it in the dealership's `zone` (the words depend only
    on the moment and the zone, so a kept one is never out of date)."""
    return when(published_at, PUBLISHED)


def _audience_tag(audience: str, make: str | None, model: str | None) -> str:
    if audience == "make":
        car = escape_text(make) + (f" {escape_text(model)}" if model else "")
        return f'<span class="tag">For {car} owners</span>'
    if audience == "owners":
        return '<span class="tag">For owners</span>'
    return ""


def announcement_cards(announcements: Iterable[ShownAnnouncement]) -> Markup:
    """A page of announcements, each an article labelled by its heading."""
    zone = dealership()["timezone"]
    parts = []
    for announcement_id, title, pinned, audience, make, model, published_at, body in announcements:
        parts.append(
            f"""
    <article class="card announcement{" announcement-pinned" if pinned else ""}" aria-labelledby="announcement-{announcement_id:d}">
      <header class="announcement-head">
        <h3 id="announcement-{announcement_id:d}">{escape_text(title)}</h3>
        <p class="announcement-meta">
          {'<span class="tag tag-warn">Pinned</span>' if pinned else ""}
          {_audience_tag(audience, make, model)}
          {_published(published_at, zone)}
        </p>
      </header>
      <div class="prose" hx-disable>{body}</div>
    </article>"""  # noqa: E501 - the markup as the page shows it
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped, the body is safe
