"""Coordinators' event pages: access, creating in local time, capacity, cancel, check-in, CSV."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.extensions import db

HTMX = {"HX-Request": "true"}


def _event_admin_paths(app, event_id: int, rsvp_id: int) -> list[tuple[str, str]]:
    """Every admin events URL, built from the URL map so new routes are covered."""
    values = {
        "event_id": event_id,
        "rsvp_id": rsvp_id,
        "code": "x",
        "question_id": 1,
        "action": "up",
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.events"):
            continue
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        paths.append((method, path))
    return paths


def test_coordinator_pages_are_403_for_owners(app, client, login, make_owner, make_event, rsvp_as):
    event = make_event()
    rsvp = rsvp_as(make_owner(), event)
    login(make_owner())
    paths = _event_admin_paths(app, event.id, rsvp.id)
    assert len(paths) >= 10
    for method, path in paths:
        response = client.open(path, method=method)
        assert response.status_code == 403, (method, path)


def test_coordinator_creates_an_event_in_the_dealerships_time_zone(client, login, make_coordinator):
    login(make_coordinator())
    form = {
        "title": "Summer detailing clinic",
        "kind": "clinic",
        "description": "Waxes and sealants.",
        "location": "Bay 3",
        "starts_at": "2026-07-04T10:00",
        "ends_at": "2026-07-04T12:00",
        "capacity": "20",
        "guests_allowed": "1",
        "audience": "owners",
        "early_access_days": "0",
    }
    response = client.post("/admin/events/new", data=form)
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert event.status == EventStatus.DRAFT
    assert event.starts_at == datetime(2026, 7, 4, 14, 0, tzinfo=UTC)
    edit = client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2026-07-04T10:00"' in edit
    client.post(f"/admin/events/{event.id}/publish")
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED


def test_ends_before_start_is_shown_next_to_the_field(client, login, make_coordinator):
    login(make_coordinator())
    response = client.post(
        "/admin/events/new",
        data={
            "title": "Backwards",
            "kind": "meet",
            "location": "Lot",
            "starts_at": "2026-07-04T10:00",
            "ends_at": "2026-07-04T09:00",
            "capacity": "5",
            "guests_allowed": "0",
            "audience": "owners",
            "early_access_days": "0",
        },
    )
    assert response.status_code == 200
    assert 'id="ends_at-error"' in response.get_data(as_text=True)


def _edit_form(event: Event, **changes) -> dict:
    form = {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "location": event.location,
        "starts_at": "2026-12-05T10:00",
        "ends_at": "2026-12-05T12:00",
        "capacity": str(event.capacity),
        "guests_allowed": str(event.guests_allowed),
        "audience": event.audience,
        "early_access_days": "0",
    }
    form.update(changes)
    return form


def test_lowering_capacity_below_confirmed_is_refused_raising_promotes(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event(capacity=2, guests_allowed=1)
    rsvp_as(make_owner(), event, guests=1)
    waiting = rsvp_as(make_owner(), event)
    login(make_coordinator())
    refused = client.post(f"/admin/events/{event.id}/edit", data=_edit_form(event, capacity="1"))
    assert refused.status_code == 200
    assert "2 seats are already confirmed" in refused.get_data(as_text=True)
    assert db.session.get(Event, event.id).capacity == 2
    raised = client.post(f"/admin/events/{event.id}/edit", data=_edit_form(event, capacity="3"))
    assert raised.status_code == 303
    assert db.session.get(Rsvp, waiting.id).status == RsvpStatus.CONFIRMED


def test_cancelling_an_event_emails_everyone_who_rsvped(
    client, login, make_coordinator, make_owner, make_event, rsvp_as, outbox
):
    event = make_event(capacity=1)
    rsvp_as(make_owner(email="going@example.com"), event)
    rsvp_as(make_owner(email="waiting@example.com"), event)
    login(make_coordinator())
    response = client.post(
        f"/admin/events/{event.id}/cancel", data={"message": "The hall is being repaired."}
    )
    assert response.status_code == 303
    mails = outbox()
    assert sorted(mail["To"] for mail in mails) == ["going@example.com", "waiting@example.com"]
    assert all(
        "The hall is being repaired." in mail.get_body(("plain",)).get_content() for mail in mails
    )


def test_csv_export_neutralises_formulas(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event()
    rsvp_as(make_owner(name='=HYPERLINK("http://evil")'), event)
    rsvp_as(make_owner(name="@SUM(A1)"), event)
    login(make_coordinator())
    response = client.get(f"/admin/events/{event.id}/attendees.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    names = sorted(row[0] for row in rows[1:])
    assert names == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)"]


def test_printable_sheet_lists_confirmed_attendees(
    client, login, make_coordinator, make_owner, make_event, rsvp_as
):
    event = make_event(capacity=1)
    rsvp_as(make_owner(name="Seated Person"), event)
    rsvp_as(make_owner(name="Waiting Person"), event)
    login(make_coordinator())
    html = client.get(f"/admin/events/{event.id}/sheet").get_data(as_text=True)
    assert "Seated Person" in html and "Waiting Person" not in html


@pytest.mark.parametrize("path", ["/admin/events", "/admin/events/new"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_drafts_page_publishes_it_from_its_own_form_without_javascript(
    client, login, make_coordinator, make_event
):
    event = make_event(status=EventStatus.DRAFT)
    login(make_coordinator())
    html = client.get(f"/admin/events/{event.id}").text
    publish = f"/admin/events/{event.id}/publish"
    form = re.search(
        f'<form method="post" action="{publish}" class="inline-form">(.*?)</form>', html, re.S
    )
    token = re.fullmatch(
        r'\s*<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">\s*'
        r'<button type="submit" class="button button-small">Publish</button>\s*',
        form.group(1),
    ).group(1)
    response = client.post(publish, data={"csrf_token": token}, csrf=False)
    assert response.status_code == 303
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert "Invite owners…" in client.get(f"/admin/events/{event.id}").text
