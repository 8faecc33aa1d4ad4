"""Changes to announcements: posting, editing and taking them down."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.community.models import Announcement, Audience
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
    session.flush()
    return announcement


def delete_announcement(session: Session, announcement: Announcement) -> None:
    """Take an announcement down."""
    session.delete(announcement)
    session.flush()
