"""Links of an event's staff page, from URL patterns worked out once per app and mount point.

An app's URLs never change while it runs, so the page's links to the event's other pages and
its rows' actions are kept as patterns (as the staff menu keeps its links) and filled in with
the event's id: a `str.format` each instead of a `url_for` each.
"""

from flask import url_for

from portal.events import attendee_list
from portal.links import kept_per_mount, url_pattern

#: The event page's links to the event's other pages: {name: endpoint taking `event_id`}.
EVENT_LINKS = {
    "page": "admin.events_show",
    "edit": "admin.events_edit",
    "publish": "admin.events_publish",
    "invite": "admin.events_invite_preview",
    "cancel": "admin.events_cancel",
    "questions": "admin.events_questions",
    "owner_page": "events.show",
    "csv": "admin.events_csv",
    "door": "admin.events_door",
    "sheet": "admin.events_sheet",
    "message": "admin.events_message",
}
#: The list's per-row actions: {name: endpoint taking `event_id` and `rsvp_id`}.
ROW_ACTIONS = {"check_in": "admin.events_check_in", "undo": "admin.events_check_in_undo"}
#: Where the app keeps the links' patterns, per mount point (`app.extensions[...]`).
_KEPT_LINKS = "portal.event_links"
#: A stand-in event id, while a row action's pattern is worked out.
_AN_EVENT = 2_147_483_646


def _link_patterns() -> dict[str, str]:
    """The event page's links with `{}` where the event's id goes (`url_pattern`)."""
    patterns = {name: url_pattern(endpoint, "event_id") for name, endpoint in EVENT_LINKS.items()}
    for name, endpoint in ROW_ACTIONS.items():
        row = row_pattern(url_pattern(endpoint, "rsvp_id", event_id=_AN_EVENT))
        patterns[name] = row.replace(str(_AN_EVENT), "{}")
    patterns["events"] = url_for("admin.events_index")  # the same for every event
    return patterns


def event_links(event_id: int) -> dict[str, str]:
    """The event page's links for one event, by name: `EVENT_LINKS`, the events list, and
    the row actions' patterns (`%d` where an RSVP's id goes, as `door.row_urls` gives them);
    the fifteen `url_for` calls they stand for cost more than the page's whole header."""
    patterns = kept_per_mount(_KEPT_LINKS, _link_patterns)
    return {name: pattern.format(event_id) for name, pattern in patterns.items()}


def filter_links(event_id: int, list_url: str, text: str) -> dict[str, str]:
    """{filter: its tab's link}: the list with that filter and the search, if any.

    The links `url_for` would write, with the search encoded by one `url_for` call for the
    five tabs (none without a search): the filters' names need no encoding, and "all" goes
    without `?show=`."""
    if text:
        search = url_for("admin.events_show", event_id=event_id, q=text).partition("?")[2]
        links = {
            name: f"{list_url}?show={name}&{search}#attendees" for name in attendee_list.FILTERS
        }
        links["all"] = f"{list_url}?{search}#attendees"
    else:
        links = {name: f"{list_url}?show={name}#attendees" for name in attendee_list.FILTERS}
        links["all"] = f"{list_url}#attendees"
    return links


def row_pattern(pattern: str) -> str:
    """A `url_pattern` (`{}` where the RSVP's id goes) as the attendee list's rows take it:
    `%d` in its place, for the `%` operator, which a template applies without a call."""
    return pattern.replace("%", "%%").replace("{}", "%d")
