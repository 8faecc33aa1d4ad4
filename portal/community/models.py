"""Announcements coordinators post on the community page."""

from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from portal.community.rules import RENDERER_VERSION, announcement_html
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
    #: `body` as safe HTML, rendered and sanitised when it was saved (see `render`).
    body_html: Mapped[str | None] = mapped_column(Text)
    #: The renderer that wrote `body_html` (`rules.RENDERER_VERSION`); an older one's HTML
    #: is rendered again by `flask community render-announcements`, and on read meanwhile.
    renderer_version: Mapped[str | None] = mapped_column(String(80))
    pinned: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[str] = mapped_column(String(8), default=Audience.EVERYONE)
    #: For `make` audiences; compared case-insensitively with the owner's vehicles.
    make: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(60))
    published_at: Mapped[datetime]
    author_id: Mapped[int | None] = optional_user_fk()

    def render(self) -> None:
        """Store the body as HTML with the current renderer: on every save, and when it changes.

        The body is written with its HTML even when unchanged, so no update can pair one
        writer's text with another's HTML.
        """
        self.body_html = str(announcement_html(self.body, self.body_format))
        self.renderer_version = RENDERER_VERSION
        flag_modified(self, "body")

    @property
    def html(self) -> Markup:
        """The body as safe HTML: the stored copy, or rendered now if an older renderer made it."""
        return body_as_html(self)


def body_as_html(announcement) -> Markup:
    """An announcement's body as safe HTML, from the announcement or a row of its columns
    (`body_html`, `renderer_version`, `body`, `body_format`): the stored copy, or rendered now
    if an older renderer made it."""
    current = announcement.renderer_version == RENDERER_VERSION
    return shown_html(
        announcement.body_html if current else None, announcement.body, announcement.body_format
    )


def shown_html(body_html: str | None, body: str | None, body_format: str) -> Markup:
    """The body of a read that picked the stored HTML when the current renderer made it
    (`queries._SHOWN`), else the body and its format: that HTML, or the body rendered now."""
    if body_html is not None:
        # Safe to mark: `Announcement.render` stored the sanitiser's output.
        return Markup(body_html)  # noqa: S704
    return announcement_html(body, body_format)
