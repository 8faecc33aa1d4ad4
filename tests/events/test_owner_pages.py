"""Owners' pages: the list, the event page, htmx RSVP box, tickets, My events, access rules."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.charity.models import Drive, DriveEvent, DriveStatus
from portal.events import event_reads, queries
from portal.events.models import Audience, EventKind, Rsvp, RsvpStatus
from portal.extensions import db

HTMX = {"HX-Request": "true"}


def test_prospects_see_public_events_only(client, make_event):
    public = make_event(title="Open day clinic", audience=Audience.PUBLIC)
    owners_only = make_event(title="Owners-only meet", audience=Audience.OWNERS)
    page = client.get("/events").get_data(as_text=True)
    assert "Open day clinic" in page and "Owners-only meet" not in page
    assert client.get(f"/events/{public.id}").status_code == 200
    assert client.get(f"/events/{owners_only.id}").status_code == 404
    assert "Sign in to RSVP" in client.get(f"/events/{public.id}").get_data(as_text=True)


def test_a_visitors_event_list_reads_the_events_alone(client, make_event, count_queries):
    make_event(title="Open day clinic", audience=Audience.PUBLIC)
    client.get("/events")
    with count_queries() as statements:
        page = client.get("/events?kind=clinic").get_data(as_text=True)
    assert "Open day clinic" in page
    events = [sql for sql in statements if "FROM events" in sql]
    assert len(events) == 1
    assert "rsvps" not in events[0].lower()


def test_drafts_and_ambassador_events_are_hidden_from_members(
    client, login, make_owner, make_event
):
    draft = make_event(title="Secret draft", status="draft")
    vip = make_event(title="Track day", audience=Audience.AMBASSADORS)
    login(make_owner())
    page = client.get("/events").get_data(as_text=True)
    assert "Secret draft" not in page and "Track day" not in page
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.get(f"/events/{vip.id}").status_code == 404


def test_events_for_my_car_come_first(client, login, make_owner, make_event, make_vehicle):
    make_event(title="Soonest general clinic", starts_at=clock.now() + timedelta(days=1))
    make_event(
        title="MX-5 owners' meet",
        kind=EventKind.MEET,
        target_make="Mazda",
        target_model="MX-5",
        starts_at=clock.now() + timedelta(days=20),
    )
    owner = make_owner()
    make_vehicle(owner, make="Mazda", model="MX-5", year=2020)
    login(owner)
    page = client.get("/events").get_data(as_text=True)
    assert page.index("MX-5 owners&#39; meet") < page.index("Soonest general clinic")
    assert "For your car" in page


def test_each_card_shows_the_owners_place_and_the_seats_left(
    client, login, make_owner, make_event, rsvp_as
):
    owner, other = make_owner(), make_owner()
    going = make_event(title="Going clinic", days=3, guests_allowed=1)
    full = make_event(title="Full launch", kind=EventKind.LAUNCH, days=4, capacity=1)
    last_seat = make_event(title="Last seat meet", kind=EventKind.MEET, days=5, capacity=2)
    rsvp_as(owner, going, guests=1)
    rsvp_as(other, full)
    rsvp_as(owner, full)  # waitlisted
    rsvp_as(other, last_seat)
    login(owner)
    html = client.get("/events").get_data(as_text=True)
    cards = {
        title: card
        for card in html.split('<article class="card event-card')[1:]
        for title in ("Going clinic", "Full launch", "Last seat meet")
        if f">{title}</a>" in card
    }
    assert f'href="/events/{going.id}"' in cards["Going clinic"]
    assert "You're going" in cards["Going clinic"] and "8 seats left" in cards["Going clinic"]
    assert "Car-care clinic" in cards["Going clinic"]
    assert "On the waitlist" in cards["Full launch"]
    assert "Full · waitlist open" in cards["Full launch"]
    assert "Launch event" in cards["Full launch"]
    assert "1 seat left" in cards["Last seat meet"] and "tag-ok" not in cards["Last seat meet"]
    community = client.get("/community").get_data(as_text=True)
    assert f'<a href="/events/{going.id}">Going clinic</a>' in community
    assert "You're going" in community and "On the waitlist" in community


def test_the_list_reads_only_the_columns_its_cards_show(
    client, login, make_owner, make_event, count_queries
):
    make_event(title="Brake clinic", description="A long description the list never shows")
    login(make_owner())
    client.get("/events")
    for path in ("/events", "/community"):
        with count_queries() as statements:
            assert "Brake clinic" in client.get(path).get_data(as_text=True)
        listed = [sql for sql in statements if "FROM events" in sql]
        assert len(listed) == 1, path
        assert "events.description" not in listed[0] and "rsvps.ticket_hash" not in listed[0]


def test_lists_of_events_are_plain_rows_not_loaded_objects(app, make_owner, make_event):
    make_event(title="Open day", audience=Audience.PUBLIC, seats_taken=3)
    owner_id = make_owner().id
    db.session.expunge_all()
    owner = db.session.get(User, owner_id)
    listed = queries.upcoming_events(db.session, owner, clock.now(), None)
    to_join = queries.events_to_join(db.session, clock.now(), 4)
    assert [(row.title, row.seats_left) for row in listed] == [("Open day", 7)]
    assert [(row.title, row.seats_left) for row in to_join] == [("Open day", 7)]
    # Only the owner asked about is in the session: no event or RSVP was built.
    assert [type(thing).__name__ for thing in db.session.identity_map.values()] == ["User"]


def test_the_event_page_reads_what_the_rsvp_action_reads_as_plain_values(
    app, make_owner, make_coordinator, make_event, rsvp_as
):
    full = make_event(title="Full clinic", capacity=1, guests_allowed=2, target_make="Honda")
    owner, waiting = make_owner(), make_owner()
    rsvp_as(owner, full)
    rsvp_as(waiting, full)
    staff = make_coordinator()
    event_id = full.id
    viewers = {"owner": owner.id, "waiting": waiting.id, "staff": staff.id, "visitor": None}
    db.session.expunge_all()
    for name, viewer_id in viewers.items():
        viewer = db.session.get(User, viewer_id) if viewer_id else None
        shown = event_reads.event_page(db.session, viewer, event_id)
        loaded = event_reads.event_for_viewer(db.session, viewer, event_id)
        if name == "visitor":
            assert shown is None and loaded is None
            continue
        assert (shown.position, shown.for_my_car, shown.asks_questions) == (
            loaded.position,
            loaded.for_my_car,
            loaded.asks_questions,
        ), name
        for field in (*event_reads.EventFacts.__dataclass_fields__, "seats_left", "is_cancelled"):
            assert getattr(shown.event, field) == getattr(loaded.event, field), (name, field)
        assert (shown.rsvp is None) == (loaded.rsvp is None), name
        if shown.rsvp is not None:
            for field in (*event_reads.RsvpFacts.__dataclass_fields__, "seats", "holds_seat"):
                assert getattr(shown.rsvp, field) == getattr(loaded.rsvp, field), (name, field)
    assert event_reads.event_page(db.session, None, event_id + 1) is None


def test_kind_filter_returns_the_list_fragment_to_htmx(client, make_event):
    make_event(title="Wiper clinic", audience=Audience.PUBLIC)
    make_event(title="Launch party", kind=EventKind.LAUNCH, audience=Audience.PUBLIC)
    response = client.get("/events?kind=launch", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "Launch party" in html and "Wiper clinic" not in html
    assert "<html" not in html and 'id="event-list"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_rsvp_returns_box_and_out_of_band_seat_count(client, login, make_owner, make_event):
    event = make_event(capacity=8, guests_allowed=2)
    login(make_owner())
    response = client.post(f"/events/{event.id}/rsvp", data={"guests": "2"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="rsvp-box"' in html and "You're going" in html
    assert re.search(r'id="seats-left"[^>]*hx-swap-oob="true"', html)
    assert 'data-seats-left="5"' in html


def test_rsvp_without_javascript_redirects_back_with_a_message(
    client, login, make_owner, make_event
):
    event = make_event()
    login(make_owner())
    response = client.post(f"/events/{event.id}/rsvp", data={"guests": "0"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your ticket is ready" in page and "Cancel my RSVP" in page


def test_refused_change_is_shown_next_to_the_guests_field(client, login, make_owner, make_event):
    event = make_event(capacity=2, guests_allowed=3)
    owner = make_owner()
    login(owner)
    client.post(f"/events/{event.id}/rsvp", data={"guests": "0"})
    rsvp_id = db.session.scalar(select(Rsvp.id).where(Rsvp.user_id == owner.id))
    response = client.post(f"/rsvps/{rsvp_id}/guests", data={"guests": "3"}, headers=HTMX)
    assert response.status_code == 422
    assert "you can bring up to 1 guests" in response.get_data(as_text=True)


def test_cancel_and_change_guests_update_in_place(client, login, make_owner, make_event):
    event = make_event(capacity=4, guests_allowed=2)
    owner = make_owner()
    login(owner)
    client.post(f"/events/{event.id}/rsvp", data={"guests": "0"}, headers=HTMX)
    rsvp_id = db.session.scalar(select(Rsvp.id).where(Rsvp.user_id == owner.id))
    changed = client.post(f"/rsvps/{rsvp_id}/guests", data={"guests": "2"}, headers=HTMX)
    assert 'data-seats-left="1"' in changed.get_data(as_text=True)
    cancelled = client.post(f"/rsvps/{rsvp_id}/cancel", headers=HTMX)
    assert 'data-seats-left="4"' in cancelled.get_data(as_text=True)
    assert db.session.get(Rsvp, rsvp_id).status == RsvpStatus.CANCELLED


def test_rsvp_needs_a_csrf_token(client, login, make_owner, make_event):
    event = make_event()
    login(make_owner())
    response = client.post(f"/events/{event.id}/rsvp", data={"guests": "0"}, csrf=False)
    assert response.status_code in (400, 303)
    assert db.session.scalar(select(Rsvp.id)) is None


def test_another_owners_rsvp_and_ticket_are_404(client, login, make_owner, make_event, rsvp_as):
    event = make_event()
    theirs = rsvp_as(make_owner(), event)
    login(make_owner())
    assert client.get(f"/rsvps/{theirs.id}/ticket").status_code == 404
    assert client.post(f"/rsvps/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/rsvps/{theirs.id}/guests", data={"guests": "0"}).status_code == 404
    assert db.session.get(Rsvp, theirs.id).status == RsvpStatus.CONFIRMED


def test_ticket_shows_a_qr_code_pointing_at_check_in(client, login, make_owner, make_event):
    event = make_event()
    owner = make_owner()
    login(owner)
    client.post(f"/events/{event.id}/rsvp", data={"guests": "0"})
    rsvp_id = db.session.scalar(select(Rsvp.id).where(Rsvp.user_id == owner.id))
    html = client.get(f"/rsvps/{rsvp_id}/ticket").get_data(as_text=True)
    assert "<svg" in html and 'class="ticket-qr"' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_my_events_lists_upcoming_and_past(client, login, make_owner, make_event, rsvp_as):
    owner = make_owner()
    rsvp_as(owner, make_event(title="Coming clinic"))
    with clock.frozen(clock.now() - timedelta(days=5)):
        rsvp_as(owner, make_event(title="Old meet", starts_at=clock.now() + timedelta(days=1)))
    login(owner)
    html = client.get("/my-events").get_data(as_text=True)
    upcoming, previous = html.split("Past events", 1)
    assert "Coming clinic" in upcoming and "Old meet" in previous


def test_home_page_shows_the_owners_next_events(client, login, make_owner, make_event, rsvp_as):
    owner = make_owner()
    rsvp_as(owner, make_event(title="Battery clinic"))
    login(owner)
    html = client.get("/").get_data(as_text=True)
    assert "Your next events" in html and "Battery clinic" in html


def test_list_event_page_and_my_events_run_the_same_queries_for_2_or_30_events(
    client, login, make_owner, make_event, rsvp_as, make_vehicle, count_queries
):
    owner = make_owner()
    make_vehicle(owner, make="Mazda", model="MX-5", year=2020)
    login(owner)
    others = [make_owner() for _ in range(2)]

    def add_events(how_many):
        for number in range(how_many):
            event = make_event(capacity=2, target_make="Mazda" if number % 2 else None)
            for other in others:
                rsvp_as(other, event)
            rsvp_as(owner, event)  # waitlisted: the pages show a queue place
            # Each new event is part of an open drive, and so is every earlier drive's:
            # the event page shown last says "Part of" 1 drive, then 30.
            drives.append(_open_drive(f"Drive {len(drives)}"))
            for drive in drives:
                db.session.add(DriveEvent(drive_id=drive.id, event_id=event.id))
            db.session.commit()

    drives = []

    def measure():
        db.session.commit()
        with count_queries() as listed:
            assert client.get("/events").status_code == 200
        last = db.session.scalar(select(Rsvp.event_id).order_by(Rsvp.id.desc()).limit(1))
        db.session.commit()
        with count_queries() as shown:
            assert client.get(f"/events/{last}").status_code == 200
        with count_queries() as mine:
            assert client.get("/my-events").status_code == 200
        with count_queries() as home:
            assert client.get("/").status_code == 200
        return len(listed), len(shown), len(mine), len(home)

    add_events(2)
    with_two = measure()
    add_events(28)
    assert measure() == with_two
    last = db.session.scalar(select(Rsvp.event_id).order_by(Rsvp.id.desc()).limit(1))
    assert client.get(f"/events/{last}").get_data(as_text=True).count("Part of <a") == 30


def _open_drive(name: str) -> Drive:
    drive = Drive(
        name=name,
        beneficiary_name="Harbour Family Shelter",
        goal_amount=1_000_00,
        starts_on=clock.now().date(),
        ends_on=clock.now().date() + timedelta(days=30),
        status=DriveStatus.OPEN,
    )
    db.session.add(drive)
    db.session.flush()
    return drive


def _event_titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/events/\d+">([^<]+)</a></h2>', html)


def test_the_event_list_comes_in_pages_and_no_event_is_left_out(
    client, login, make_owner, make_event
):
    per_page = queries.LIST_LIMIT
    for day in range(1, per_page * 2 + 4):
        make_event(title=f"Clinic day {day:03d}", days=day)
    login(make_owner())
    first = client.get("/events").get_data(as_text=True)
    assert _event_titles(first) == [f"Clinic day {d:03d}" for d in range(1, per_page + 1)]
    assert 'href="/events?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/events?page=2").get_data(as_text=True)
    assert _event_titles(second)[0] == f"Clinic day {per_page + 1:03d}"
    assert 'href="/events"' in second and "Page 2" in second
    last = client.get("/events?page=3").get_data(as_text=True)
    assert _event_titles(last) == [
        f"Clinic day {d:03d}" for d in range(per_page * 2 + 1, per_page * 2 + 4)
    ]
    assert 'rel="next"' not in last
    shown = _event_titles(first) + _event_titles(second) + _event_titles(last)
    assert len(shown) == len(set(shown)) == per_page * 2 + 3


def test_a_short_event_list_has_no_pager_and_a_page_past_the_end_says_so(client, make_event):
    make_event(title="Open day clinic", audience=Audience.PUBLIC)
    assert "More events" not in client.get("/events").get_data(as_text=True)
    past = client.get("/events?page=4&kind=clinic").get_data(as_text=True)
    assert "no more upcoming events of this kind" in past
    assert 'href="/events?kind=clinic"' in past


def test_the_next_page_of_events_swaps_the_list_in_place_with_htmx(
    client, login, make_owner, make_event
):
    for day in range(1, queries.LIST_LIMIT + 2):
        make_event(title=f"Meet day {day:03d}", kind=EventKind.MEET, days=day)
    login(make_owner())
    first = client.get("/events?kind=meet").get_data(as_text=True)
    assert 'hx-get="/events?kind=meet&amp;page=2"' in first
    fragment = client.get("/events?kind=meet&page=2", headers=HTMX).get_data(as_text=True)
    assert 'id="event-list"' in fragment and "<html" not in fragment
    assert _event_titles(fragment) == [f"Meet day {queries.LIST_LIMIT + 1:03d}"]
