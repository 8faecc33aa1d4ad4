"""Every time people read names its zone and sits in `<time datetime>`, on both sides of DST."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal import clock
from portal.audit import record_audit
from portal.extensions import db

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"

#: A time of day or a day of a month written in words, as the portal writes them.
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")
DAY_OF_MONTH = re.compile(
    r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b"
)
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})")
DAY = re.compile(r"(\d{4}-)?\d{2}-\d{2}")  # a date, or a yearly one (10-15)
#: New York's offsets and the abbreviation each must read as.
#: What follows a time in a message's words: its zone, perhaps after the end of a range.
ZONE_AFTER = re.compile(r"( ?[AP]M)?( to \d{1,2}:\d{2}( ?[AP]M)?)? (EST|EDT)\b")
ABBREVIATION = {"-04:00": "EDT", "-05:00": "EST"}


#: Elements whose content is not checked (see TimeCollector).
SKIPPED = ("script", "style", "title", "svg", "option", "textarea")


class TimeCollector(HTMLParser):
    """The `<time>` elements of a page, and the text outside them.

    Charts (SVG) are pictures: their labels cannot hold `<time>`, and the figures table
    beside each chart shows the same dates, marked up. A menu's options and a text box
    hold text only. A message's own words (class `message-text`: its subject and body, as
    the email said them) are prose: collected apart, where a time must name its zone.
    """

    def __init__(self):
        super().__init__()
        self.times: list[tuple[str, str]] = []  # (datetime attribute, text)
        self.outside: list[str] = []
        self._open: list[str] | None = None
        self._attribute = ""
        self._skip = 0
        self.prose: list[str] = []
        self._prose_tag: str | None = None
        self._prose_depth = 0

    def handle_starttag(self, tag, attrs):
        if self._prose_tag is not None:
            self._prose_depth += tag == self._prose_tag
        elif "message-text" in (dict(attrs).get("class") or "").split():
            self._prose_tag, self._prose_depth = tag, 1
        elif tag in SKIPPED:
            self._skip += 1
        elif tag == "time":
            assert self._open is None, "a <time> inside a <time>"
            self._open, self._attribute = [], dict(attrs).get("datetime", "")

    def handle_endtag(self, tag):
        if self._prose_tag is not None:
            self._prose_depth -= tag == self._prose_tag
            if not self._prose_depth:
                self._prose_tag = None
        elif tag in SKIPPED:
            self._skip -= 1
        elif tag == "time" and self._open is not None:
            self.times.append((self._attribute, "".join(self._open).strip()))
            self._open = None

    def handle_data(self, data):
        if self._prose_tag is not None:
            self.prose.append(data)
            return
        if self._skip:
            return
        (self._open if self._open is not None else self.outside).append(data)


def assert_times_marked_up(html: str, where: str, dates: bool = True) -> list[tuple[str, str]]:
    """Fail when a time (or, with `dates`, a date) is outside `<time>`, or a time lacks its zone.

    Dates inside sentences the rules write ("due 14 December") are prose, not page
    furniture: pages full of them are checked with `dates=False`.
    """
    collector = TimeCollector()
    collector.feed(html)
    outside = " ".join(collector.outside)
    assert not TIME_OF_DAY.findall(outside), f"{where}: a time outside <time>: {outside!r}"
    loose = [match.group(0) for match in DAY_OF_MONTH.finditer(outside)] if dates else []
    assert not loose, f"{where}: dates outside <time>: {loose}"
    for text in collector.prose:
        for match in TIME_OF_DAY.finditer(text):
            said = text[match.end() : match.end() + 30]  # "11:00 AM to 1:00 PM EST" is one
            assert re.match(ZONE_AFTER, said), f"{where}: no zone in {text!r}"
    for attribute, text in collector.times:
        if moment := MOMENT.fullmatch(attribute):
            if TIME_OF_DAY.search(text):
                assert text.endswith(ABBREVIATION[moment.group(1)]), f"{where}: {text!r}"
        else:
            assert DAY.fullmatch(attribute), f"{where}: <time datetime={attribute!r}>"
            assert not TIME_OF_DAY.search(text), f"{where}: a time with only a date: {text!r}"
    return collector.times


def test_no_template_formats_a_time_or_date_by_hand():
    """Pages show times and dates only through the `when` filter (one place, with markup)."""
    by_hand = re.compile(r"\|\s*(local_datetime|long_date|when_text)\b|\.strftime\(|<time\b")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if by_hand.search(line)
    ]
    assert not offenders, "format times with `|when`:\n" + "\n".join(offenders)


SUMMER = datetime(2026, 7, 9, 15, 0, tzinfo=UTC)  # 11:00 AM EDT
WINTER = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 11:00 AM EST


@pytest.fixture
def season_data(app, make_owner, make_event, rsvp_as, make_notification, coordinator):
    """An owner booked on a July and a December event, with mail and audit entries in each."""
    owner = make_owner(name="Hana Sato")
    with clock.frozen(datetime(2026, 6, 1, 14, tzinfo=UTC)):
        summer = make_event("Summer road trip", starts_at=SUMMER)
        winter = make_event("Winter tyre clinic", starts_at=WINTER)
        for event in (summer, winter):
            rsvp_as(owner, event)
    for moment, subject in ((SUMMER - timedelta(days=30), "June"), (WINTER, "December")):
        with clock.frozen(moment):
            make_notification(owner, subject=f"A note in {subject}", created_at=moment)
            record_audit(
                db.session,
                actor=coordinator,
                action="event.update",
                entity_type="event",
                entity_id=summer.id,
                before=None,
                after={"title": summer.title},
                summary=f"Changed in {subject}",
            )
            db.session.commit()
    return owner, summer, winter


def _shown(client, path: str) -> list[tuple[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return assert_times_marked_up(response.get_data(as_text=True), path)


def test_owner_pages_mark_up_every_time_with_its_zone(client, login, season_data):
    owner, summer, winter = season_data
    login(owner)
    with clock.frozen(datetime(2026, 6, 1, 14, tzinfo=UTC)):
        listed = _shown(client, "/events")
        assert ("2026-07-09T11:00:00-04:00", "Thu 9 Jul, 11:00 AM EDT") in listed
        assert ("2026-12-10T11:00:00-05:00", "Thu 10 Dec, 11:00 AM EST") in listed
        july = _shown(client, f"/events/{summer.id}")
        assert ("2026-07-09T13:00:00-04:00", "1:00 PM EDT") in july
        december = _shown(client, f"/events/{winter.id}")
        assert ("2026-12-10T11:00:00-05:00", "11:00 AM EST") in december
        _shown(client, "/my-events")
        inbox = _shown(client, "/inbox")
        assert ("2026-12-10", "10 Dec 2026") in inbox
        _shown(client, "/")


def test_staff_pages_mark_up_every_time_with_its_zone(client, login, admin_user, season_data):
    owner, summer, winter = season_data
    login(admin_user)
    with clock.frozen(datetime(2026, 6, 1, 14, tzinfo=UTC)):
        events = _shown(client, "/admin/events")
        assert ("2026-12-10T11:00:00-05:00", "Thu 10 Dec 2026, 11:00 AM EST") in events
        assert ("2026-07-09T11:00:00-04:00", "Thu 9 Jul 2026, 11:00 AM EDT") in events
        july = _shown(client, f"/admin/events/{summer.id}")
        assert ("2026-07-09T11:00:00-04:00", "Thursday 9 July 2026, 11:00 AM EDT") in july
        _shown(client, f"/admin/events/{winter.id}")
        audit = _shown(client, "/admin/audit")
        assert ("2026-06-09T11:00:00-04:00", "9 Jun 2026, 11:00 AM EDT") in audit
        assert ("2026-12-10T11:00:00-05:00", "10 Dec 2026, 11:00 AM EST") in audit
        log = _shown(client, "/admin/notifications")
        assert ("2026-12-10T11:00:00-05:00", "11:00 AM EST") in log
        _shown(client, f"/admin/owners/{owner.id}")
        _shown(client, "/admin/")


def test_an_opened_message_shows_when_it_came_with_its_zone(client, login, season_data):
    owner, *_ = season_data
    login(owner)
    ids = [
        int(found)
        for found in re.findall(r'/inbox/(\d+)"', client.get("/inbox").get_data(as_text=True))
    ]
    shown = {text for message_id in ids for _attr, text in _shown(client, f"/inbox/{message_id}")}
    assert {"Tue 9 Jun 2026, 11:00 AM EDT", "Thu 10 Dec 2026, 11:00 AM EST"} <= shown


#: Pages whose dates are in sentences written by the rules and by people (reminders, messages).
PROSE = {"reminders.index", "home.index", "notifications.message", "garage.car"}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_every_page_of_the_demo_marks_up_its_times(app, client, login, runner, database, role):
    """The whole demo, page by page, as an owner and as an admin (markup is the same on any DB)."""
    if database != "sqlite":
        pytest.skip("page markup does not depend on the database")
    from sqlalchemy import select

    from portal.accounts.models import User
    from tests.test_get_is_safe import DEMO_PASSWORD, _seed_everything, get_routes

    owner, values = _seed_everything(runner)
    user = owner if role == "owner" else db.session.scalar(select(User).where(User.role == role))
    login(user, password=DEMO_PASSWORD)
    checked = 0
    for endpoint, path in get_routes(app, values):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        assert_times_marked_up(
            response.get_data(as_text=True), f"{path} ({endpoint})", dates=endpoint not in PROSE
        )
        checked += 1
    assert checked > 25


def test_emails_name_the_zone_on_both_sides_of_the_change(season_data, outbox):
    """An event's cancellation email reads '11:00 AM EDT' in July and '11:00 AM EST' in December."""
    from portal.events.services import planning
    from portal.notifications.dispatch import dispatch

    _owner, summer, winter = season_data
    with clock.frozen(datetime(2026, 6, 1, 14, tzinfo=UTC)):
        for event in (summer, winter):
            ids = planning.cancel_event(
                db.session, event, "", now=clock.now(), tz="America/New_York", event_url="/"
            )
            db.session.commit()
            dispatch(ids)
    texts = [message.get_body(("plain",)).get_content() for message in outbox()]
    assert any("Thu 9 Jul 2026 at 11:00 AM EDT" in text for text in texts)
    assert any("Thu 10 Dec 2026 at 11:00 AM EST" in text for text in texts)


def test_a_page_of_moments_finds_the_dealerships_zone_once(app, monkeypatch):
    """`|when` takes the zone from the page's own `dealership`: a list of a hundred moments
    does not look the dealership up a hundred times, and reads exactly as `when` does."""
    from flask import render_template_string

    from portal import templating

    calls = []
    real = templating.dealership
    monkeypatch.setattr(templating, "dealership", lambda: calls.append(1) or real())
    moments = [datetime(2026, 3, 8, 6, 0, tzinfo=UTC) + timedelta(hours=n) for n in range(100)]
    with app.test_request_context("/"):
        expected = "".join(f"{templating.when(m)}|" for m in moments)
        calls.clear()
        html = render_template_string(
            "{% for m in moments %}{{ m|when }}|{% endfor %}", moments=moments
        )
    assert html == expected
    assert "EST" in html and "EDT" in html  # across the change, in the dealership's zone
    assert len(calls) == 1  # the context processor's
