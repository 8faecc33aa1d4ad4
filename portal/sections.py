"""Pages composed of sections that each domain contributes (home page, profile)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """One block on a page: a template and a loader giving its context."""

    order: int
    template: str
    load: Callable[[Any], dict]


@dataclass
class Sections:
    """An ordered set of sections; domains add theirs with `@sections.register(...)`."""

    entries: list[Section] = field(default_factory=list)

    def register(self, order: int, template: str) -> Callable:
        """Register `load(user) -> dict` as the context of one section."""

        def decorator(load: Callable[[Any], dict]) -> Callable[[Any], dict]:
            self.entries.append(Section(order, template, load))
            self.entries.sort(key=lambda section: section.order)
            return load

        return decorator

    def render_list(self, user: Any) -> list[tuple[str, dict]]:
        """(template, context) for every section, in order."""
        return [(section.template, section.load(user)) for section in self.entries]


#: The owner's home page, below the greeting.
home_sections = Sections()
#: The owner's profile page, below their details.
profile_sections = Sections()
#: A member of staff's view of one owner (admin/owners/<id>), below cars and messages;
#: events, referrals, points and reminders add theirs. `load(owner)`, a fixed number of queries.
#: Orders in use: 10 events (RSVPs), 20 referrals and tier, 30 points and redemptions.
admin_owner_sections = Sections()
#: The community page (/community), below the announcements. Orders in use:
#: 10 upcoming events (events domain), 20 open drives (charity), 30 ambassadors' wall (rewards).
community_sections = Sections()
