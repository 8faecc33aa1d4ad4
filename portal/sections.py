"""Pages composed of sections from several domains (home, profile, community, an owner).

Each page's sections are one ordered list in `portal/pages.py`; the app keeps them, so a
view in any domain renders its page's sections without importing the domains above it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from portal.extensions import db
from portal.json_rows import JsonRows, read_together

#: Where the app keeps the page lists (`app.extensions[EXTENSION]`).
EXTENSION = "portal.sections"


@dataclass(frozen=True)
class Section:
    """One block on a page: a template and a loader giving its context.

    A section that reads a few rows names the read (`read(subject)`: a `JsonRows` and its
    bound values): a page's sections read together, in one statement, and `load` gets the
    rows as its second argument (`load(subject, rows)`)."""

    template: str
    load: Callable[..., dict]
    read: Callable[[Any], tuple[JsonRows, Mapping[str, Any]]] | None = None


def install(app, pages: Mapping[str, Sequence[Section]]) -> None:
    """Give the app its page lists."""
    app.extensions[EXTENSION] = dict(pages)


def render_sections(page: str, subject: Any) -> list[tuple[str, dict]]:
    """(template, context) for every section of `page`, in order, loaded for `subject`."""
    sections = current_app.extensions[EXTENSION][page]
    reads = [section.read(subject) for section in sections if section.read is not None]
    rows = iter(read_together(db.session, reads) if reads else ())
    loaded = []
    for section in sections:
        if section.read is None:
            loaded.append((section.template, section.load(subject)))
        else:
            loaded.append((section.template, section.load(subject, next(rows))))
    return loaded
