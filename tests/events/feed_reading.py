"""Reading an owner's calendar feed in tests the way a calendar app polls it, and checking
that what it is served after a change is what a body built from scratch would say."""

import re

from tests.events.ics_checks import events_of, strict_components

#: Where the app keeps the bodies it built (portal.events.feed).
KEPT_BODIES = "portal.calendar_feed_bodies"


def feed_path(client) -> str:
    """Make the signed-in owner's feed and return its path."""
    assert client.post("/calendar/feed").status_code == 303
    html = client.get("/account/profile").get_data(as_text=True)
    return re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', html).group(1)


def uids(body: bytes) -> list[str]:
    """The UIDs of the feed's entries, in order."""
    return [entry.value("UID") for entry in events_of(strict_components(body))]


def without_dtstamp(body: bytes) -> bytes:
    """The body without its DTSTAMP lines (the time it was built)."""
    return b"\r\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP"))


def built_afresh(app, client, path: str) -> bytes:
    """The feed as a body built now, with nothing kept from earlier reads."""
    app.extensions.pop(KEPT_BODIES, None)
    response = client.get(path)
    assert response.status_code == 200
    return response.data


def read_after_change(app, client, path: str, before) -> bytes:
    """The feed read by a calendar holding `before`: it must be served again, under a new
    ETag, and what it is served must be what a fresh build says."""
    again = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200, "a change must reach a calendar that holds the feed"
    assert again.headers["ETag"] != before.headers["ETag"]
    assert again.data != before.data
    assert without_dtstamp(again.data) == without_dtstamp(built_afresh(app, client, path))
    return again.data
