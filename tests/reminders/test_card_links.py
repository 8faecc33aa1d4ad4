"""A reminder card's links come from patterns worked out once per page: each must read exactly
as `url_for` writes it, whatever the key holds."""

import pytest
from flask import url_for

from portal.reminders.cards import CardLinks

KEYS = [
    "service:12",
    "recall:12:24V-123",
    "advised:12:brake pads & discs",
    "seasonal:12:winter/tyres?#now",
    "birthday:7:2026",
    "advised:3:Öl 50% — ça va",
    "{}",
]


@pytest.mark.parametrize("key", KEYS)
def test_card_links_read_as_url_for_writes_them(app, key):
    with app.test_request_context("/reminders"):
        links = CardLinks.for_this_page()
        quoted = links.key(key)
        for name, endpoint in (
            ("done", "reminders.done"),
            ("snooze", "reminders.snooze"),
            ("unsnooze", "reminders.unsnooze"),
            ("last_service", "reminders.last_service"),
            ("visit", "reminders.request_visit"),
        ):
            assert getattr(links, name).format(quoted) == url_for(endpoint, key=key), name
        assert links.booking(42, key) == url_for("servicelane.book", car=42, reminder=key)
        assert links.miles.format(42) == url_for("reminders.update_miles", vehicle_id=42)


def test_card_links_follow_where_the_portal_is_mounted(app):
    with app.test_request_context("/reminders", base_url="http://club.example/owners"):
        links = CardLinks.for_this_page()
        assert links.done.format(links.key("service:1")) == "/owners/reminders/service:1/done"
        assert links.booking(1, "service:1").startswith("/owners/")
