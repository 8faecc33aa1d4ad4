"""Who sees which announcement, and keeping announcements."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.community.models import Announcement, Audience
from portal.errors import ServiceError
from portal.garage.models import Vehicle

#: How many announcements the community page shows.
PAGE_SIZE = 20


def _owns_matching_vehicle(user_id: int):
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


def visible_to(user: User | None) -> Select:
    """Announcements this person may read: pinned first, newest first.

    Visitors see `everyone`; owners also `owners` and the makes they drive; staff see all.
    """
    query = select(Announcement).order_by(
        Announcement.pinned.desc(), Announcement.published_at.desc(), Announcement.id.desc()
    )
    if user is None or not user.is_authenticated:
        return query.where(Announcement.audience == Audience.EVERYONE)
    if user.is_staff:
        return query
    return query.where(
        or_(
            Announcement.audience.in_([Audience.EVERYONE, Audience.OWNERS]),
            (Announcement.audience == Audience.MAKE) & _owns_matching_vehicle(user.id)
            if user.id
            else false(),
        )
    )


def announcements_for(session: Session, user: User | None) -> list[Announcement]:
    """The announcements on this person's community page (one query)."""
    return list(session.scalars(visible_to(user).limit(PAGE_SIZE)))


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
    session.flush()
    return announcement
