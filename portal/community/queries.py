"""Reads of announcements: who sees which on the community page, and the staff list; the
names the page's ambassadors' wall shows."""

from datetime import datetime
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import Integer, Select, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.community import models
from portal.community.models import Announcement, Audience
from portal.db import page_rows
from portal.garage.models import Vehicle
from portal.json_rows import JsonRows

#: How many announcements the community page shows at a time; older ones are a page away.
PAGE_SIZE = 10
#: Columns the staff list sorts by; pinned ones first, newest first, by default.
ANNOUNCEMENT_SORTS = {
    "pinned": Announcement.pinned,
    "date": Announcement.published_at,
    "title": func.lower(Announcement.title),
}


def _owns_matching_vehicle(user_id):
    """An active car of the announcement's make (and model, when it names one)."""
    return exists().where(
        Vehicle.owner_id == user_id,
        Vehicle.retired_at.is_(None),
        func.lower(Vehicle.make) == func.lower(Announcement.make),
        or_(
            Announcement.model.is_(None),
            func.lower(Vehicle.model) == func.lower(Announcement.model),
        ),
    )


def _newest_first(query: Select) -> Select:
    """Pinned first, then newest first: a page of them (its own names for the limit and the
    offset: the community page reads them with the events, which have theirs)."""
    return (
        query.order_by(
            Announcement.pinned.desc(), Announcement.published_at.desc(), Announcement.id.desc()
        )
        .limit(bindparam("announcements_limit"))
        .offset(bindparam("announcements_offset"))
    )


#: Whether an announcement's stored HTML is the current renderer's (`models.body_as_html`);
#: each read binds the current renderer's version (`announcements_read`).
_HTML_IS_CURRENT = Announcement.body_html.is_not(None) & (
    Announcement.renderer_version == bindparam("renderer_version")
)
#: What the page shows of an announcement, read as a plain row (no ORM object per row): the
#: stored HTML when the current renderer made it, else the body and its format to render it
#: from, never both (each is most of a row's size, and the page reads them as JSON).
_SHOWN = select(
    Announcement.id,
    Announcement.title,
    Announcement.pinned,
    Announcement.audience,
    Announcement.make,
    Announcement.model,
    Announcement.published_at,
    case((_HTML_IS_CURRENT, Announcement.body_html)).label("body_html"),
    case((_HTML_IS_CURRENT, None), else_=Announcement.body).label("body"),
    Announcement.body_format,
)
# Built once: each request only binds the owner's id (statement building is per-request work);
# read as a JSON column, so the community page reads them with its other sections.
_FOR_STAFF = JsonRows(_newest_first(_SHOWN))
_FOR_VISITORS = JsonRows(_newest_first(_SHOWN.where(Announcement.audience == Audience.EVERYONE)))
_FOR_OWNER = JsonRows(
    _newest_first(
        _SHOWN.where(
            or_(
                Announcement.audience.in_([Audience.EVERYONE, Audience.OWNERS]),
                (Announcement.audience == Audience.MAKE)
                & _owns_matching_vehicle(bindparam("owner_id", type_=Integer)),
            )
        )
    )
)


class ShownAnnouncement(NamedTuple):
    """An announcement as the community page shows it (a tuple: the page's loop unpacks it)."""

    id: int
    title: str
    pinned: bool
    audience: str
    make: str | None
    model: str | None
    published_at: datetime
    #: The body as safe HTML, as stored when it was saved (`models.body_as_html`).
    body: Markup


def announcements_read(
    user: User | None, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[JsonRows, dict]:
    """The read of page `page` of the announcements on this person's community page, pinned
    first, then newest first, with one row past the page (instead of counting them all).

    Visitors see `everyone`; owners also `owners` and the makes they drive; staff see all.
    """
    values = {
        "announcements_limit": per_page + 1,
        "announcements_offset": (page - 1) * per_page,
        "renderer_version": models.RENDERER_VERSION,
    }
    if user is None or not user.is_authenticated or not user.id:
        return _FOR_VISITORS, values
    if user.is_staff:
        return _FOR_STAFF, values
    return _FOR_OWNER, {**values, "owner_id": user.id}


def announcements_from(
    rows: list, per_page: int = PAGE_SIZE
) -> tuple[list[ShownAnnouncement], bool]:
    """The announcements of `announcements_read`'s rows, and whether an older page follows."""
    shown = [
        ShownAnnouncement(*row[:7], models.shown_html(row.body_html, row.body, row.body_format))
        for row in rows[:per_page]
    ]
    return shown, len(rows) > per_page


def announcements_for(
    session: Session, user: User | None, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[ShownAnnouncement], bool]:
    """`announcements_read`'s page in a statement of its own (htmx asks for just the list)."""
    read, values = announcements_read(user, page, per_page)
    return announcements_from(list(page_rows(session, read.read, values)), per_page)


def announcement_list(sort: str, descending: bool) -> Select:
    """Every announcement for the staff list, in the chosen order (newest breaks ties)."""
    column = ANNOUNCEMENT_SORTS[sort]
    return select(Announcement).order_by(
        column.desc() if descending else column.asc(),
        Announcement.published_at.desc(),
        Announcement.id.desc(),
    )
