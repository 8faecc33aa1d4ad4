"""The personal calendar feed: conditional requests, refresh hints, the owner's pressing
reminders as all-day entries (and the setting that leaves them out), UIDs in the portal's
own domain."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from portal import clock
from portal.events.models import RsvpStatus
from portal.events.services import rsvps
from portal.extensions import db
from portal.reminders.models import RecallCampaign
from tests.events.feed_reading import KEPT_BODIES, read_after_change
from tests.events.ics_checks import events_of, strict_components, with_ics_library

#: Tuesday 1 December 2026, 10:00 AM in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _feed_path(client) -> str:
    assert client.post("/calendar/feed").status_code == 303
    html = client.get("/account/profile").get_data(as_text=True)
    return re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', html).group(1)


@pytest.fixture
def subscriber(client, login, make_owner, make_vehicle, add_service, make_event, rsvp_as):
    """An owner going to one clinic, with an overdue service and a warranty ending soon."""
    owner = make_owner(name="Sam Okafor")
    civic = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2025, 1, 5))
    add_service(civic, date(2026, 5, 1), miles=9000)  # due 1 Nov 2026: overdue
    accord = make_vehicle(
        owner,
        nickname="Red Accord",
        model="Accord",
        purchase_date=date(2023, 12, 21),
        warranty_end_date=date(2026, 12, 21),  # ends within the 60-day notice: due soon
    )
    add_service(accord, date(2026, 11, 20), miles=30000)  # serviced: no service reminder
    clinic = make_event("Winter care clinic", days=9)
    rsvp = rsvp_as(owner, clinic)
    login(owner)
    return {"owner": owner, "civic": civic, "clinic": clinic, "rsvp": rsvp, "path": None}


def _feed(client, path, **headers):
    return client.get(path, headers=headers)


def _uids(body: bytes) -> list[str]:
    return [entry.value("UID") for entry in events_of(strict_components(body))]


def test_feed_reads_strictly_with_refresh_hints_events_and_reminders(client, subscriber):
    path = _feed_path(client)
    response = _feed(client, path)
    assert response.status_code == 200
    body = response.data
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    civic, clinic = subscriber["civic"], subscriber["clinic"]
    root = strict_components(body)
    entries = {entry.value("UID"): entry for entry in events_of(root)}
    service_uid = f"reminder-service:vehicle-{civic.id}:2026-05-01@localhost"
    assert set(entries) >= {f"event-{clinic.id}@localhost", service_uid}
    service = entries[service_uid]
    assert service.one("DTSTART") == (";VALUE=DATE", "20261201")  # overdue: shown on today
    assert service.one("DTEND") == (";VALUE=DATE", "20261202")
    assert service.value("SUMMARY").endswith(": Blue Civic")
    assert service.value("TRANSP") == "TRANSPARENT"
    warranty = [entry for uid, entry in entries.items() if uid.startswith("reminder-warranty")]
    assert [entry.one("DTSTART") for entry in warranty] == [(";VALUE=DATE", "20261221")]
    parsed = {event.uid: event for event in with_ics_library(body)}
    assert parsed[service_uid].all_day and parsed[service_uid].begin.date() == date(2026, 12, 1)
    assert parsed[f"event-{clinic.id}@localhost"].name == "Winter care clinic"
    [library_service] = [
        entry for entry in Calendar.from_ical(body).walk("VEVENT") if entry["UID"] == service_uid
    ]
    assert library_service["DTSTART"].dt == date(2026, 12, 1)


def test_a_repeated_conditional_request_is_304_and_a_change_makes_it_200(app, client, subscriber):
    path = _feed_path(client)
    first = _feed(client, path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    with clock.frozen(NOW + timedelta(minutes=5)):  # a new DTSTAMP, the same content
        again = _feed(client, path, **{"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "private, max-age=900"

    clinic = subscriber["clinic"]
    with clock.frozen(NOW + timedelta(minutes=10)):
        clinic.location = "The new showroom"
        db.session.commit()
        assert b"The new showroom" in read_after_change(app, client, path, first)


def test_a_feed_has_no_last_modified_so_if_modified_since_never_holds_a_change_back(
    client, subscriber, add_service
):
    """Service history has no time of change, and HTTP dates count whole seconds: a
    Last-Modified could not see every change, so the feed validates by its ETag alone."""
    path = _feed_path(client)
    first = _feed(client, path)
    assert "Last-Modified" not in first.headers
    since = {"If-Modified-Since": "Wed, 02 Dec 2026 00:00:00 GMT"}  # later than anything
    assert _feed(client, path, **since).status_code == 200
    add_service(subscriber["civic"], date(2026, 11, 30), miles=15000)
    assert f"reminder-service:vehicle-{subscriber['civic'].id}:2026-05-01@localhost" not in (
        _uids(_feed(client, path, **since).data)
    )


def test_cancelling_the_rsvp_takes_the_event_out_with_a_200(app, client, subscriber):
    path = _feed_path(client)
    first = _feed(client, path)
    with clock.frozen(NOW + timedelta(minutes=10)):
        rsvps.cancel_rsvp(
            db.session, rsvp=subscriber["rsvp"], now=clock.now(), secret_key="x", event_url="/"
        )
        db.session.commit()
        assert subscriber["rsvp"].status == RsvpStatus.CANCELLED
        body = read_after_change(app, client, path, first)
    assert f"event-{subscriber['clinic'].id}@localhost" not in _uids(body)


def test_reminders_keep_their_uid_and_leave_when_done(app, client, subscriber):
    path = _feed_path(client)
    key = f"service:vehicle-{subscriber['civic'].id}:2026-05-01"
    uid = f"reminder-{key}@localhost"
    today = _feed(client, path)
    with clock.frozen(NOW + timedelta(days=1)):
        tomorrow = _feed(client, path, **{"If-None-Match": today.headers["ETag"]})
    assert tomorrow.status_code == 200  # the overdue entry moved on to the new today
    [before] = [e for e in events_of(strict_components(today.data)) if e.value("UID") == uid]
    [after] = [e for e in events_of(strict_components(tomorrow.data)) if e.value("UID") == uid]
    assert after.value("DTSTART") == "20261202"
    assert int(after.value("SEQUENCE")) == int(before.value("SEQUENCE")) + 1

    with clock.frozen(NOW + timedelta(minutes=10)):
        assert client.post(f"/reminders/{key}/done").status_code == 303
        done = read_after_change(app, client, path, today)
    assert uid not in _uids(done)
    assert f"event-{subscriber['clinic'].id}@localhost" in _uids(done)


def test_a_recall_shows_until_it_is_carried_out(client, subscriber):
    db.session.add(
        RecallCampaign(
            code="26V-101",
            title="Airbag inflator",
            make="Honda",
            model="Civic",
            year_from=2020,
            year_to=2024,
            issued_on=date(2026, 11, 1),
        )
    )
    db.session.commit()
    path = _feed_path(client)
    uid = f"reminder-recall:26V-101:vehicle-{subscriber['civic'].id}@localhost"
    assert uid in _uids(_feed(client, path).data)
    assert (
        client.post(f"/reminders/recall:26V-101:vehicle-{subscriber['civic'].id}/done").status_code
        == 303
    )
    assert uid not in _uids(_feed(client, path).data)


def test_the_owner_turns_reminders_off_and_on_with_a_plain_form(client, subscriber):
    path = _feed_path(client)
    profile = client.get("/account/profile").get_data(as_text=True)
    assert 'name="include_reminders"' in profile and "checked" in profile
    assert client.post("/calendar/feed/reminders", data={}).status_code == 303
    off = _feed(client, path)
    assert [uid for uid in _uids(off.data) if uid.startswith("reminder-")] == []
    assert f"event-{subscriber['clinic'].id}@localhost" in _uids(off.data)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "only your events" in page
    assert re.search(r'<input[^>]*name="include_reminders"[^>]*checked', page) is None
    assert (
        client.post("/calendar/feed/reminders", data={"include_reminders": "y"}).status_code == 303
    )
    assert any(uid.startswith("reminder-service") for uid in _uids(_feed(client, path).data))
    assert client.post("/calendar/feed/reminders", data={}, csrf=False).status_code == 400


def test_the_setting_needs_a_feed_first(client, login, make_owner):
    login(make_owner())
    response = client.post("/calendar/feed/reminders", data={}, follow_redirects=True)
    assert "Create your calendar link first." in response.get_data(as_text=True)


def test_uids_carry_the_portals_own_host(app, client, make_event):
    event = make_event("Open day", audience="public")
    app.config.update(PORTAL_BASE_URL="https://club.lakeside.example")
    lakeside = Calendar.from_ical(client.get(f"/events/{event.id}.ics").data)
    app.config.update(PORTAL_BASE_URL="https://owners.harbourcars.example:8443/portal")
    harbour = Calendar.from_ical(client.get(f"/events/{event.id}.ics").data)
    assert [str(e["UID"]) for e in lakeside.walk("VEVENT")] == [
        f"event-{event.id}@club.lakeside.example"
    ]
    assert [str(e["UID"]) for e in harbour.walk("VEVENT")] == [
        f"event-{event.id}@owners.harbourcars.example"
    ]


def test_the_feed_runs_the_same_statements_for_one_event_or_many(
    app, client, subscriber, make_event, rsvp_as, make_vehicle, add_service, count_queries
):
    path = _feed_path(client)
    _feed(client, path)

    def counted() -> dict[str, int]:
        """Statements of a fresh build, a read of the kept body, and a calendar's re-check."""
        app.extensions.pop(KEPT_BODIES)
        with count_queries() as built:
            etag = _feed(client, path).headers["ETag"]
        with count_queries() as kept:
            assert _feed(client, path).status_code == 200
        with count_queries() as checked:
            assert _feed(client, path, **{"If-None-Match": etag}).status_code == 304
        return {"built": len(built), "kept": len(kept), "checked": len(checked)}

    small = counted()
    owner = subscriber["owner"]
    for number in range(4):
        rsvp_as(owner, make_event(f"Meet {number}", days=3 + number))
        car = make_vehicle(owner, purchase_date=date(2024, 2, 1))
        add_service(car, date(2026, 4, number + 1))
    large = counted()
    assert len(_uids(_feed(client, path).data)) >= 10
    assert large == small
    # The settings, then the stamp: nothing else is read for a body already built.
    assert small["kept"] == small["checked"] == 2
