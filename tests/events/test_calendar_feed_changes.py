"""The calendar feed never holds a change back: each thing the feed is made of, changed, gives
a calendar holding the old body a new one (a new ETag and a 200), and what it is served is
what a body built afresh says; what another owner does leaves the feed's ETag alone."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal import clock
from portal.accounts.services.staff import deactivate_account
from portal.dealership.services import write_settings
from portal.events import feed as personal_feed
from portal.events.services import feeds, planning
from portal.events.tokens import CALENDAR, derive_token
from portal.extensions import db
from portal.reminders.models import RecallCampaign
from portal.reminders.views import dom_id
from tests.events.feed_reading import KEPT_BODIES, feed_path, read_after_change, uids

#: Tuesday 1 December 2026, 10:00 AM in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
#: When the changes happen.
LATER = NOW + timedelta(minutes=10)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def sam(client, login, make_owner, make_vehicle, add_service, make_event, rsvp_as):
    """Sam, signed in, going to a clinic, his Civic's service overdue; the feed read once."""
    owner = make_owner(name="Sam Okafor")
    civic = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2025, 1, 5))
    add_service(civic, date(2026, 5, 1), miles=9000)  # due 1 Nov 2026: overdue
    clinic = make_event("Winter care clinic", days=9)
    rsvp = rsvp_as(owner, clinic)
    login(owner)
    path = feed_path(client)
    held = client.get(path)
    key = f"service:vehicle-{civic.id}:2026-05-01"
    assert f"reminder-{key}@localhost" in uids(held.data)
    return SimpleNamespace(
        owner=owner, civic=civic, clinic=clinic, rsvp=rsvp, path=path, held=held, key=key
    )


def _changed(app, client, sam) -> bytes:
    with clock.frozen(LATER):
        return read_after_change(app, client, sam.path, sam.held)


def test_an_rsvp_to_another_event_puts_it_in(app, client, sam, make_event, rsvp_as):
    with clock.frozen(LATER):
        launch = make_event("Launch night", days=20)
        rsvp_as(sam.owner, launch)
    assert f"event-{launch.id}@localhost" in uids(_changed(app, client, sam))


def test_cancelling_on_the_events_page_takes_it_out(app, client, sam):
    with clock.frozen(LATER):
        assert client.post(f"/rsvps/{sam.rsvp.id}/cancel").status_code == 303
    assert f"event-{sam.clinic.id}@localhost" not in uids(_changed(app, client, sam))


def test_an_edit_to_the_event_shows(app, client, sam):
    with clock.frozen(LATER):
        sam.clinic.title = "Winter tyre clinic"
        db.session.commit()
    assert b"SUMMARY:Winter tyre clinic" in _changed(app, client, sam)


def test_the_event_called_off_stays_in_marked_cancelled(app, client, sam):
    with clock.frozen(LATER), app.test_request_context():
        planning.cancel_event(
            db.session, sam.clinic, "Snow", now=clock.now(), tz="America/New_York", event_url="/"
        )
        db.session.commit()
    body = _changed(app, client, sam)
    assert f"event-{sam.clinic.id}@localhost" in uids(body)
    assert b"STATUS:CANCELLED" in body


def test_an_event_leaves_the_moment_it_is_past_the_history_not_the_next_day(
    app, client, login, make_owner, make_event, rsvp_as
):
    owner = make_owner()
    with clock.frozen(NOW - timedelta(days=91)):
        old = make_event("Autumn clinic", days=1)  # ended 2 hours short of 90 days ago
        rsvp_as(owner, old)
    login(owner)
    path = feed_path(client)
    held = client.get(path)
    assert f"event-{old.id}@localhost" in uids(held.data)
    with clock.frozen(NOW + timedelta(hours=2, minutes=1)):  # the same day at the dealership
        assert f"event-{old.id}@localhost" not in uids(read_after_change(app, client, path, held))


def test_snoozing_the_reminder_takes_it_out_and_bringing_it_back_puts_it_in(app, client, sam):
    uid = f"reminder-{sam.key}@localhost"
    with clock.frozen(LATER):
        form = {f"{dom_id(sam.key)}-snooze-days": "7"}
        assert client.post(f"/reminders/{sam.key}/snooze", data=form).status_code == 303
        snoozed = client.get(sam.path)
    assert uid not in uids(_changed(app, client, sam))
    with clock.frozen(LATER + timedelta(minutes=1)):
        assert client.post(f"/reminders/{sam.key}/unsnooze").status_code == 303
        assert uid in uids(read_after_change(app, client, sam.path, snoozed))


def test_a_service_added_in_the_garage_moves_the_service_reminder(app, client, sam):
    with clock.frozen(LATER):
        visit = {
            "service-performed_on": "2026-11-30",
            "service-miles": "15000",
            "service-work_done": "Oil and filter",
            "service-where": "dealership",
        }
        response = client.post(
            f"/garage/{sam.civic.id}/service", data=visit | {"where": "dealership"}
        )
        assert response.status_code == 303
    assert f"reminder-{sam.key}@localhost" not in uids(_changed(app, client, sam))


def test_the_cars_new_name_shows_on_its_reminder(app, client, sam):
    with clock.frozen(LATER):
        sam.civic.nickname = "Old Faithful"
        db.session.commit()
    assert b"SUMMARY:" in _changed(app, client, sam)
    assert b": Old Faithful" in _changed(app, client, sam)


def test_a_new_recall_for_the_car_shows(app, client, sam):
    with clock.frozen(LATER):
        recall = RecallCampaign(
            code="26V-101",
            title="Airbag inflator",
            make="Honda",
            model="Civic",
            year_from=2020,
            year_to=2024,
            issued_on=date(2026, 11, 1),
        )
        db.session.add(recall)
        db.session.commit()
    uid = f"reminder-recall:26V-101:vehicle-{sam.civic.id}@localhost"
    assert uid in uids(_changed(app, client, sam))


def test_turning_reminders_off_takes_them_out(app, client, sam):
    with clock.frozen(LATER):
        assert client.post("/calendar/feed/reminders", data={}).status_code == 303
    assert [uid for uid in uids(_changed(app, client, sam)) if uid.startswith("reminder-")] == []


def test_the_dealerships_new_name_names_the_calendar(app, client, sam):
    with clock.frozen(LATER), app.test_request_context():
        write_settings(db.session, {"dealership.name": "Lakeside Motors"})
        db.session.commit()
    assert b"X-WR-CALNAME:Lakeside Motors Owners Club: my events" in _changed(app, client, sam)


def test_the_next_day_moves_the_overdue_reminder_along(app, client, sam):
    with clock.frozen(NOW + timedelta(days=1)):
        body = read_after_change(app, client, sam.path, sam.held)
    assert b"DTSTART;VALUE=DATE:20261202" in body


def test_the_address_it_is_read_at_is_in_its_links_and_its_etag(client, sam):
    elsewhere = client.get(sam.path, base_url="https://club.harbourcars.example")
    assert elsewhere.headers["ETag"] != sam.held.headers["ETag"]
    assert b"URL:https://club.harbourcars.example/events/" in elsewhere.data
    assert b"URL:http://localhost/events/" in client.get(sam.path).data


def test_a_new_release_of_the_portal_gives_a_new_etag(client, sam, monkeypatch):
    """A release may word the feed differently: calendars must not keep the old text."""
    monkeypatch.setattr(personal_feed, "_release", lambda: "the next release")
    again = client.get(sam.path, headers={"If-None-Match": sam.held.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != sam.held.headers["ETag"]


def test_another_owners_changes_leave_the_etag_alone(
    client, sam, make_owner, make_vehicle, add_service, make_event, rsvp_as
):
    with clock.frozen(LATER):
        other = make_owner(name="Ada Lovelace")
        add_service(make_vehicle(other), date(2026, 11, 2), miles=3000)
        rsvp_as(other, make_event("Ada's launch", days=4))
        again = client.get(sam.path, headers={"If-None-Match": sam.held.headers["ETag"]})
    assert again.status_code == 304


def test_signing_in_again_leaves_the_etag_alone(client, sam, login):
    with clock.frozen(LATER):
        assert client.post("/logout").status_code in (302, 303)
        login(sam.owner)
        again = client.get(sam.path, headers={"If-None-Match": sam.held.headers["ETag"]})
    assert again.status_code == 304


def test_a_deactivated_owners_reminders_leave(app, client, sam, admin_user):
    with clock.frozen(LATER):
        deactivate_account(db.session, user=sam.owner, actor=admin_user, now=clock.now())
        db.session.commit()
    assert [uid for uid in uids(_changed(app, client, sam)) if uid.startswith("reminder-")] == []


def test_an_unknown_or_retired_address_is_not_found(client, sam):
    assert client.get("/calendar/not-a-feed.ics").status_code == 404
    assert client.post("/calendar/feed").status_code == 303  # a new address
    assert client.get(sam.path).status_code == 404
    assert client.get(sam.path, headers={"If-None-Match": "*"}).status_code == 404


def test_each_process_keeps_only_so_many_bytes_of_bodies(app, client, make_owner, monkeypatch):
    secret = app.config["SECRET_KEY"]
    paths = []
    for name in ("Ann", "Ben", "Cy"):
        owner = make_owner(name=f"{name} Okafor")
        feeds.rotate_feed(db.session, owner, secret)
        db.session.commit()
        token = derive_token(secret, CALENDAR, feeds.feed_for(db.session, owner).nonce)
        paths.append(f"/calendar/{token}.ics")
    size = len(client.get(paths[0]).data)
    app.extensions.pop(KEPT_BODIES)
    monkeypatch.setattr("portal.events.feed.KEPT_BYTES", 2 * size + 10)  # two bodies' worth
    ann, ben, cy = (client.get(path).headers["ETag"][3:-1] for path in paths)
    kept = app.extensions[KEPT_BODIES]
    assert list(kept.bodies) == [ben, cy] and kept.size == 2 * size
    client.get(paths[1])  # Ben's read again: Cy's is now the first to go
    client.get(paths[0])
    assert list(kept.bodies) == [ben, ann]
