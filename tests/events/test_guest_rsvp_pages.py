"""A visitor's RSVP through the pages: ask, open the emailed links, confirm and cancel by POST."""

import re

from sqlalchemy import func, select

from portal.events.models import Audience, Rsvp, RsvpStatus
from portal.extensions import db


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())


def _path(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _ask(client, event, **values):
    data = {"name": "Sam Rivera", "email": "sam@example.org", "guests": "0"} | values
    return client.post(f"/events/{event.id}/visit", data=data)


def _confirm_path(outbox) -> str:
    return _path(next(link for link in _links(outbox()[-1]) if "/visit/confirm/" in link))


def _cancel_path(outbox) -> str:
    return _path(next(link for link in _links(outbox()[-1]) if "/visit/cancel/" in link))


def _rsvp_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rsvp))


def test_a_visitor_sees_the_form_on_a_public_event_only(client, make_event):
    public = make_event(audience=Audience.PUBLIC)
    assert "Email me a confirmation link" in client.get(f"/events/{public.id}").get_data(True)
    owners = make_event(audience=Audience.OWNERS)
    assert client.get(f"/events/{owners.id}").status_code == 404
    assert _ask(client, owners).status_code == 404


def test_get_on_the_confirm_link_changes_nothing_until_the_post(client, make_event, outbox):
    event = make_event(audience=Audience.PUBLIC, capacity=2)
    assert _ask(client, event).status_code == 303
    confirm = _confirm_path(outbox)
    page = client.get(confirm)
    assert page.status_code == 200 and "Confirm my place" in page.get_data(True)
    client.get(confirm)
    assert _rsvp_count() == 0
    db.session.refresh(event)
    assert event.seats_taken == 0
    assert client.post(confirm).status_code == 303
    [rsvp] = db.session.scalars(select(Rsvp)).all()
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.guest_name == "Sam Rivera"
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_cancel_from_the_email_link_frees_the_seat_on_post_only(client, make_event, outbox):
    event = make_event(audience=Audience.PUBLIC, capacity=1)
    _ask(client, event)
    client.post(_confirm_path(outbox))
    cancel = _cancel_path(outbox)
    page = client.get(cancel)
    assert page.status_code == 200 and "Cancel my place" in page.get_data(True)
    db.session.refresh(event)
    assert event.seats_taken == 1
    assert client.post(cancel).status_code == 303
    db.session.refresh(event)
    assert event.seats_taken == 0
    assert db.session.scalar(select(Rsvp.status)) == RsvpStatus.CANCELLED


def test_bad_links_and_hostile_input_are_4xx(client, make_event):
    event = make_event(audience=Audience.PUBLIC)
    assert client.get("/events/visit/confirm/not-a-token").status_code == 404
    assert client.post("/events/visit/confirm/not-a-token").status_code == 404
    assert client.get("/events/visit/cancel/" + "x" * 5000).status_code == 404
    assert _ask(client, event, name="Sam\x00", email="a@example.org").status_code == 422
    assert _ask(client, event, email="not an email").status_code == 422
    assert _ask(client, event, guests=str(10**30), email="b@example.org").status_code == 422
    assert _ask(client, event, name="x" * 100_000, email="c@example.org").status_code in (413, 422)
    assert _rsvp_count() == 0


def test_asking_again_for_one_email_is_rate_limited(client, make_event, outbox):
    event = make_event(audience=Audience.PUBLIC)
    statuses = [_ask(client, event).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert len(outbox()) == 3


def test_staff_see_visitors_marked_on_the_list_and_in_the_csv(
    client, login, coordinator, make_event, outbox
):
    event = make_event(audience=Audience.PUBLIC)
    _ask(client, event)
    client.post(_confirm_path(outbox))
    login(coordinator)
    page = client.get(f"/admin/events/{event.id}").get_data(True)
    assert "Sam Rivera" in page and "Visitor" in page
    csv = client.get(f"/admin/events/{event.id}/attendees.csv").get_data(True)
    assert "Sam Rivera" in csv and "Visitor" in csv
