"""The layout's header: drawn once per kind of person and section, yet right on every page."""

import re
import time
from datetime import UTC, datetime

from flask import g
from itsdangerous import TimestampSigner

from portal.templating import when

CURRENT = re.compile(r'aria-current="page">([^<]+)<')


def current_links(html: str) -> list[str]:
    """The labels of the links the header marks as the current page."""
    return [label.strip() for label in CURRENT.findall(html)]


def test_each_page_marks_its_own_section_though_the_links_are_kept(client, owner, login):
    login(owner)
    # Twice each, in an order that would show a kept header drawn for another page.
    for _ in range(2):
        assert current_links(client.get("/reminders").get_data(as_text=True)) == ["Reminders"] * 2
        assert current_links(client.get("/events").get_data(as_text=True)) == ["Events"] * 2
        assert current_links(client.get("/").get_data(as_text=True)) == ["Home"] * 2
        assert current_links(client.get("/inbox").get_data(as_text=True)) == ["Inbox"]
        assert current_links(client.get("/account/profile").get_data(as_text=True)) == ["Profile"]


def test_owners_staff_and_visitors_each_get_their_own_links(client, owner, coordinator, login):
    visitor = client.get("/events").get_data(as_text=True)
    assert 'aria-label="Main"' not in visitor and ">Sign in</a>" in visitor
    login(owner)
    mine = client.get("/events").get_data(as_text=True)
    assert ">My garage</a>" in mine and ">Admin</a>" not in mine
    client.post("/logout")
    login(coordinator)
    staff = client.get("/events").get_data(as_text=True)
    assert ">Admin</a>" in staff and ">My garage</a>" not in staff
    assert current_links(staff) == ["Events"] * 2


def test_a_kept_time_follows_the_dealerships_time_zone(app):
    moment = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    shown = {}
    for zone in ("America/New_York", "Europe/London", "America/New_York"):
        with app.test_request_context("/"):
            g.dealership = {"timezone": zone}
            shown.setdefault(zone, []).append(str(when(moment)))
    assert (
        shown["America/New_York"]
        == ['<time datetime="2026-12-10T11:00:00-05:00">Thu 10 Dec 2026, 11:00 AM EST</time>'] * 2
    )
    assert shown["Europe/London"] == [
        '<time datetime="2026-12-10T16:00:00+00:00">Thu 10 Dec 2026, 4:00 PM GMT</time>'
    ]


LAYOUT_TOKEN = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


FORM_TOKEN = re.compile(r'<input[^>]* name="csrf_token"[^>]* value="([^"]+)"')


def test_the_layouts_kept_token_is_the_sessions_own(client, owner, make_owner, login, monkeypatch):
    login(owner)
    # Every signature made from here on carries a later second, as on a slow day.
    start = int(time.time())
    seconds = iter(range(start, start + 1_000))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: next(seconds))
    pages = [client.get("/garage").get_data(as_text=True) for _ in range(2)]
    shown = [LAYOUT_TOKEN.search(page).group(1) for page in pages]
    assert shown[0] == shown[1]
    # The page's forms (the garage's add-a-car form) show the same kept token.
    assert {token for page in pages for token in FORM_TOKEN.findall(page)} == {shown[0]}
    sent = client.post("/logout", headers={"X-CSRFToken": shown[0]}, csrf=False)
    assert sent.status_code == 303
    # Another browser's session has its own token: the one kept for the first is refused.
    other = client.application.test_client()
    login_other = other.post(
        "/login",
        data={"email": make_owner(email="oscar@example.com").email, "password": "x"},
        csrf=False,
    )
    assert login_other.status_code == 400
    html = other.get("/events").get_data(as_text=True)
    assert LAYOUT_TOKEN.search(html).group(1) != shown[0]
    refused = other.post("/logout", headers={"X-CSRFToken": shown[0]}, csrf=False)
    assert refused.status_code == 400
