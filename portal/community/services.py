"""Changes to announcements: posting, editing and taking them down."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.community.models import Announcement, Audience
from portal.community.rules import RENDERER_VERSION
from portal.errors import ServiceError


def save_announcement(
    session: Session,
    announcement: Announcement | None,
    values: Mapping[str, Any],
    *,
    author: User,
    now: datetime,
) -> Announcement:
    """Post a new announcement or change one; a make audience needs a make."""
    values = dict(values)
    if values["audience"] == Audience.MAKE:
        if not values.get("make"):
            raise ServiceError("Name the make these owners drive.", field="make")
    else:
        values["make"] = values["model"] = None
    if announcement is None:
        announcement = Announcement(author_id=author.id, published_at=now)
        session.add(announcement)
    for name, value in values.items():
        setattr(announcement, name, value)
    announcement.render()
    session.flush()
    return announcement


def render_announcements(session: Session, *, every: bool = False) -> int:
    """Render again the announcements an older renderer stored (all with `every`); how many.

    The rows are locked while they are rendered (PostgreSQL; SQLite's write transaction
    already excludes everyone else), so an edit saved meanwhile is never overwritten.
    """
    query = select(Announcement).order_by(Announcement.id).with_for_update()
    if not every:
        query = query.where(
            or_(
                Announcement.renderer_version.is_(None),
                Announcement.renderer_version != RENDERER_VERSION,
            )
        )
    rendered = 0
    for announcement in session.scalars(query):
        announcement.render()
        rendered += 1
    session.flush()
    return rendered


def delete_announcement(session: Session, announcement: Announcement) -> None:
    """Take an announcement down."""
    session.delete(announcement)
    session.flush()
