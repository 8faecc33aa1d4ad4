"""The owner's home page: each section's lines as they read, the empty states, escaping, and
the statements one visit runs."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.feedback.models import Survey
from portal.garage.models import ServiceRecord

#: 20 Nov 2025, 2 PM in New York (the dealership's zone in the tests).
NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def section(html: str, css_class: str) -> str:
    """One section of the page, whitespace between and inside tags made one space."""
    match = re.search(rf'<section class="card {css_class}".*?</section>', html, re.S)
    assert match, css_class
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", match.group(0)))


@pytest.fixture
def busy_owner(make_owner, make_vehicle, add_service, make_event, rsvp_as):
    """An owner with a car of each kind, an event of each state, and a visit to rate."""
    owner = make_owner(
        name="Sam Okafor",
        display_name=f"Sam{SCRIPT}",
        email_verified_at=NOW,
        birthday=date(1980, 11, 25),
        birthday_messages=True,
    )
    car = make_vehicle(owner, nickname=f"{SCRIPT} Civic", purchase_date=date(2024, 1, 5))
    add_service(car, date(2025, 5, 1), miles=9000)
    unread = make_vehicle(
        owner, nickname=None, make="Mazda", model="MX-5", purchase_odometer=None, year=2021
    )
    full = make_event(title="Full clinic", days=3, capacity=1)
    rsvp_as(make_owner(), full)
    rsvp_as(owner, full)  # waitlisted
    launch = make_event(title=f"Launch {SCRIPT}", days=5, location=f"Hall {SCRIPT}")
    confirmed = rsvp_as(owner, launch)
    rsvp_as(owner, make_event(title="Later meet", days=40))
    rsvp_as(owner, make_event(title="Too far to show", days=50))
    visit = ServiceRecord(
        vehicle_id=unread.id,
        performed_on=date(2025, 11, 18),
        work_done="30,000-mile service: fluids",
        at_dealership=True,
    )
    db.session.add(visit)
    db.session.flush()
    survey = Survey(
        service_record_id=visit.id,
        owner_id=owner.id,
        token_hash="a" * 64,
        asked_at=NOW - timedelta(days=1),
    )
    db.session.add(survey)
    db.session.commit()
    return owner, car, unread, full, launch, confirmed, survey


def test_garage_section_links_each_car_with_its_mileage(client, login, busy_owner):
    owner, car, unread, *_ = busy_owner
    login(owner)
    html = section(client.get("/").get_data(as_text=True), "home-garage")
    assert html == (
        '<section class="card home-garage" aria-labelledby="home-garage-title">'
        '<div class="section-head"><h2 id="home-garage-title">Your garage</h2>'
        '<a href="/garage">Open my garage</a></div><ul class="home-cars">'
        f'<li><a href="/garage/{car.id}">{ESCAPED} Civic</a>'
        '<span class="muted">9,000 miles</span></li>'
        f'<li><a href="/garage/{unread.id}">2021 Mazda MX-5</a>'
        '<span class="muted">mileage not recorded</span></li></ul>'
        '<p><a class="button button-secondary button-small" href="/garage/add">'
        "Add another car</a></p></section>"
    )


def test_events_section_shows_the_next_three_with_ticket_or_waitlist(client, login, busy_owner):
    owner, _, _, full, launch, confirmed, _ = busy_owner
    login(owner)
    html = section(client.get("/").get_data(as_text=True), "home-events")
    assert html.startswith(
        '<section class="card home-events" aria-labelledby="home-events-heading">'
        '<div class="page-head"><h2 id="home-events-heading">Your next events</h2>'
        '<a href="/events">All events</a></div><ul class="my-event-list">'
        '<li class="my-event"><div class="event-date" aria-hidden="true">'
        '<span class="event-month"><time datetime="2025-11-23">Nov</time></span>'
        '<span class="event-day"><time datetime="2025-11-23">23</time></span></div>'
        f'<div class="my-event-body"><a href="/events/{full.id}" class="my-event-title">'
        'Full clinic</a><span class="muted"><time datetime="2025-11-23T14:00:00-05:00">'
        "Sun 23 Nov 2025, 2:00 PM EST</time> · Service centre</span></div>"
        '<div class="my-event-state"><span class="tag tag-warn">Waitlist</span></div></li>'
        '<li class="my-event"><div class="event-date" aria-hidden="true">'
        '<span class="event-month"><time datetime="2025-11-25">Nov</time></span>'
        '<span class="event-day"><time datetime="2025-11-25">25</time></span></div>'
        f'<div class="my-event-body"><a href="/events/{launch.id}" class="my-event-title">'
        f'Launch {ESCAPED}</a><span class="muted"><time datetime="2025-11-25T14:00:00-05:00">'
        f"Tue 25 Nov 2025, 2:00 PM EST</time> · Hall {ESCAPED}</span></div>"
        '<div class="my-event-state"><span class="tag tag-ok">Confirmed</span>'
        f'<a href="/rsvps/{confirmed.id}/ticket">Ticket</a></div></li>'
    )
    assert html.count('<li class="my-event">') == 3
    assert "Later meet" in html and "Too far to show" not in html


def test_reminders_and_feedback_sections_name_the_car(client, login, busy_owner):
    owner, car, _, _, _, _, survey = busy_owner
    login(owner)
    page = client.get("/").get_data(as_text=True)
    assert section(page, "reminders-home") == (
        '<section class="card reminders-home" aria-labelledby="home-reminders">'
        '<div class="page-head"><h2 id="home-reminders">Coming up for your cars</h2>'
        '<a href="/reminders">All reminders (2)</a></div><ul class="reminder-list">'
        '<li><span class="tag tag-danger">Overdue</span>'
        f'<a href="/reminders#reminder-service-vehicle-{car.id}-2025-05-01">Service overdue</a>'
        f'<span class="muted">· {ESCAPED} Civic · <time datetime="2025-11-01">Sat 1 Nov 2025'
        "</time></span></li>"
        '<li><span class="tag tag-warn">Due soon</span>'
        f'<a href="/reminders#reminder-birthday-owner-{owner.id}-2025">Your birthday</a>'
        '<span class="muted">· for you · <time datetime="2025-11-25">Tue 25 Nov 2025</time>'
        "</span></li></ul></section>"
    )
    feedback = section(page, "feedback-home")
    assert (
        f'<li><a href="/visits/{survey.id}/how-did-it-go">How did the 30,000-mile service on '
        f"your 2021 Mazda MX-5 go, Sam{ESCAPED}?</a>"
    ) in feedback
    assert "<h1>Hello, Sam" + ESCAPED + "</h1>" in page
    assert "Please confirm your email" not in page
    assert SCRIPT not in page


def test_an_owner_with_nothing_sees_each_empty_state(client, login, make_owner):
    owner = make_owner(name="Nadia Empty")
    login(owner)
    page = client.get("/").get_data(as_text=True)
    garage = section(page, "home-garage")
    assert "Open my garage" not in garage and 'class="home-cars"' not in garage
    assert "Your garage is ready for its first car." in garage
    assert '<a class="button" href="/garage/add">Add your car</a>' in garage
    assert "Nothing booked just now." in section(page, "home-events")
    assert 'class="my-event-list"' not in page
    reminders = section(page, "reminders-home")
    assert '<a href="/reminders">All reminders</a>' in reminders
    assert "Nothing needs your attention right now." in reminders
    assert "feedback-home" not in page
    assert f"we sent to {owner.email}, so reminders" in page


@pytest.mark.parametrize("busy", [False, True], ids=["nothing", "everything"])
def test_home_runs_three_statements(client, login, make_owner, busy_owner, count_queries, busy):
    owner = busy_owner[0] if busy else make_owner()
    login(owner)
    client.get("/")
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    # The owner with the unread count and the settings (every page); the reminders (one
    # statement); the cars, the events, points with referrals and feedback read together.
    assert len(statements) == 3, "\n".join(statements)
    assert "".join(statements).count(") AS json_rows") == 4


def test_reminders_section_shows_the_three_most_pressing_and_counts_them_all(
    client, login, make_owner, make_vehicle, add_service
):
    owner = make_owner()
    for month, name in zip((4, 2, 5, 3), ("April", "February", "May", "March"), strict=True):
        car = make_vehicle(owner, nickname=name, purchase_date=date(2024, 1, 5))
        add_service(car, date(2025, month, 1), miles=9000)
    login(owner)
    reminders = section(client.get("/").get_data(as_text=True), "reminders-home")
    assert '<a href="/reminders">All reminders (4)</a>' in reminders
    shown = re.findall(r'<span class="muted">· (\w+) · ', reminders)
    assert shown == ["February", "March", "April"]
