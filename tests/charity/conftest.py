"""Charity fixtures: drives, pledges, and an HTML inspector for user-text checks."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from portal import clock
from portal.charity import services
from portal.charity.models import Drive, DriveStatus, GoalKind
from portal.extensions import db
from tests.events.conftest import make_event  # noqa: F401 - the events domain's factory


def today():
    """Today in the dealership's (default) time zone."""
    from flask import current_app

    return clock.local_today(current_app.config["PORTAL_TIMEZONE"])


@pytest.fixture
def make_drive(app):
    """Create a drive, open by default: `make_drive(goal_amount=..., status=...)`."""

    def factory(**overrides) -> Drive:
        values = {
            "name": "Coats for Kids",
            "beneficiary_name": "Harbour Family Shelter",
            "beneficiary_description": "Winter support for families.",
            "beneficiary_url": "https://shelter.example.org",
            "story": "Every winter, children arrive without a coat.\n\nLet's change that.",
            "goal_kind": GoalKind.MONEY,
            "goal_amount": 10_000_00,
            "starts_on": today() - timedelta(days=5),
            "ends_on": today() + timedelta(days=10),
            "status": DriveStatus.OPEN,
        }
        values.update(overrides)
        drive = Drive(**values)
        db.session.add(drive)
        db.session.commit()
        return drive

    return factory


@pytest.fixture
def pledge(app):
    """Record a pledge through the service: `pledge(drive, owner, amount, show_name=True)`."""

    def record(drive, owner, amount, *, message=None, show_name=False, received_by=None):
        contribution = services.record_pledge(
            db.session,
            drive=drive,
            user=owner,
            amount=amount,
            message=message,
            show_name=show_name,
            now=clock.now(),
            today=today(),
            received_by=received_by,
        )
        db.session.commit()
        return contribution

    return record


class TagCollector(HTMLParser):
    """Every start tag with its attributes, as the browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


def assert_no_live_user_markup(html: str) -> None:
    """No inline script, no hx-get, no event handler, no javascript: link anywhere."""
    for tag, attrs in parsed_tags(html):
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert "hx-get" not in attrs, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)
        assert tag not in ("img", "iframe", "div") or "onerror" not in attrs


@pytest.fixture
def link_events(app):
    """Link events to a drive: `link_events(drive, event, ...)`."""
    from portal.charity.queries import linked_event_ids
    from portal.charity.services import set_linked_events

    def link(drive, *events):
        set_linked_events(
            db.session, drive, linked_event_ids(db.session, drive) + [e.id for e in events]
        )
        db.session.commit()

    return link
