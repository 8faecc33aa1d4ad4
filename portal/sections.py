"""Pages composed of sections from several domains (home, profile, community, an owner).

Each page's sections are one ordered list in `portal/pages.py`; the app keeps them, so a
view in any domain renders its page's sections without importing the domains above it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

#: Where the app keeps the page lists (`app.extensions[EXTENSION]`).
EXTENSION = "portal.sections"


@dataclass(frozen=True)
class Section:
    """One block on a page: a template and a loader giving its context."""

    template: str
    load: Callable[[Any], dict]


def install(app, pages: Mapping[str, Sequence[Section]]) -> None:
    """Give the app its page lists."""
    app.extensions[EXTENSION] = dict(pages)


def render_sections(page: str, subject: Any) -> list[tuple[str, dict]]:
    """(template, context) for every section of `page`, in order, loaded for `subject`."""
    sections = current_app.extensions[EXTENSION][page]
    return [(section.template, section.load(subject)) for section in sections]
