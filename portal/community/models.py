"""Announcements coordinators post on the community page."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk


class Audience(StrEnum):
    """Who sees an announcement."""

    EVERYONE = "everyone"  # the public too
    OWNERS = "owners"  # signed-in owners
    MAKE = "make"  # owners with an active car of this make (and model, if set)


class BodyFormat(StrEnum):
    """How the body is written."""

    TEXT = "text"
    MARKDOWN = "markdown"


class Announcement(IdMixin, TimestampMixin, db.Model):
    """A note from the team: title and body, pinned or not, for an audience."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_pinned_published", "pinned", "published_at"),)

    title: Mapped[str] = mapped_column(String(160))
    #: As written: plain text, or Markdown rendered without raw HTML and sanitised with nh3.
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(8), default=BodyFormat.TEXT)
    pinned: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[str] = mapped_column(String(8), default=Audience.EVERYONE)
    #: For `make` audiences; compared case-insensitively with the owner's vehicles.
    make: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(60))
    published_at: Mapped[datetime]
    author_id: Mapped[int | None] = optional_user_fk()
