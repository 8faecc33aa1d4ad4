"""Calendar files: stable UIDs, SEQUENCE, STATUS, UTC times across DST; the personal feed."""

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.events.models import Audience, CalendarFeed
from portal.events.services import planning as services
from portal.extensions import db
from tests.factories import TZ


def _events(response):
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return [component for component in calendar.walk("VEVENT")]


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        (datetime(2026, 3, 7, 10, 0), datetime(2026, 3, 7, 15, 0, tzinfo=UTC)),  # EST, day before
        (datetime(2026, 3, 8, 10, 0), datetime(2026, 3, 8, 14, 0, tzinfo=UTC)),  # EDT from 2am
        (datetime(2026, 7, 4, 10, 0), datetime(2026, 7, 4, 14, 0, tzinfo=UTC)),  # summer
        (datetime(2026, 11, 1, 10, 0), datetime(2026, 11, 1, 15, 0, tzinfo=UTC)),  # back to EST
    ],
)
def test_ten_am_in_new_york_is_the_right_utc_instant_on_both_sides_of_dst(local, expected_utc):
    assert services.local_to_utc(local, TZ) == expected_utc
    assert services.utc_to_local(expected_utc, TZ) == local


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(Exception, match="does not exist"):
        services.local_to_utc(datetime(2026, 3, 8, 2, 30), TZ)


def test_event_ics_has_uid_sequence_status_and_utc_times(client, make_event):
    starts = services.local_to_utc(datetime(2026, 7, 4, 10, 0), TZ)
    event = make_event(audience=Audience.PUBLIC, starts_at=starts)
    response = client.get(f"/events/{event.id}.ics")
    [entry] = _events(response)
    assert str(entry["UID"]) == f"event-{event.id}@localhost"
    assert int(entry["SEQUENCE"]) == event.sequence
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert entry["DTSTART"].dt == datetime(2026, 7, 4, 14, 0, tzinfo=UTC)
    assert b"DTSTART:20260704T140000Z" in response.data
    assert b"DTSTAMP:" in response.data and b"TZID" not in response.data
    assert "attachment" in response.headers["Content-Disposition"]


def test_cancelled_event_ics_says_cancelled_with_a_higher_sequence(client, make_event):
    event = make_event(audience=Audience.PUBLIC)
    before = event.sequence
    services.cancel_event(db.session, event, "Snow.", now=event.created_at, tz=TZ, event_url="/")
    db.session.commit()
    [entry] = _events(client.get(f"/events/{event.id}.ics"))
    assert str(entry["STATUS"]) == "CANCELLED"
    assert int(entry["SEQUENCE"]) == before + 1
    assert str(entry["UID"]) == f"event-{event.id}@localhost"


def _feed_url(client) -> str:
    html = client.get("/account/profile").get_data(as_text=True)
    return re.search(r'value="http://localhost(/calendar/[^"]+\.ics)"', html).group(1)


def test_feed_lists_confirmed_events_and_rotation_retires_the_old_url(
    client, login, make_owner, make_event, rsvp_as
):
    owner = make_owner()
    going = make_event(title="Going to this", capacity=1)
    rsvp_as(owner, going)
    full = make_event(title="Waiting for this", capacity=1)
    rsvp_as(make_owner(), full)
    rsvp_as(owner, full)
    login(owner)
    assert client.post("/calendar/feed").status_code == 303
    old_url = _feed_url(client)
    stored = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == owner.id))
    assert old_url.split("/")[-1].removesuffix(".ics") not in (stored.nonce, stored.token_hash)
    entries = _events(client.get(old_url))
    assert [str(entry["SUMMARY"]) for entry in entries] == ["Going to this"]
    assert client.post("/calendar/feed").status_code == 303
    new_url = _feed_url(client)
    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_unknown_feed_token_is_404(client):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
