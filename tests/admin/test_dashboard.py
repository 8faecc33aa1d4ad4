"""The admin dashboard: events, referral funnel, reminders this week, drives, waiting work."""

import re
from datetime import date, timedelta

from portal import clock
from portal.admin import queries
from portal.charity.models import GoalKind
from portal.events.models import EventStatus, RsvpStatus
from portal.extensions import db
from portal.referrals.models import Stage


def _statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm caches (dealership settings, login) outside the measurement
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_dashboard_shows_events_with_fill_rate_and_waitlist(
    client, as_coordinator, make_event, add_rsvp, make_owner
):
    event = make_event("Launch night", capacity=20, seats_taken=15)
    for _ in range(3):
        add_rsvp(event, make_owner())
    make_event("Old draft", status=EventStatus.DRAFT)
    make_event("Gone by", days=-3)

    page = client.get("/admin/").get_data(as_text=True)

    assert "Launch night" in page
    assert "75%" in page
    assert "15 of 20" in page
    assert re.search(r"<td class=\"num\">3</td>", page)  # the waitlist column
    assert "Old draft" not in page and "Gone by" not in page
    assert 'role="img"' in page and 'aria-labelledby="events-heading events-chart-desc"' in page


def test_dashboard_funnel_counts_referrals_of_the_last_90_days_by_stage_reached(
    client, as_coordinator, owner, make_referral
):
    for stage, how_many in [
        (Stage.INVITED, 4),
        (Stage.CONTACTED, 3),
        (Stage.TEST_DRIVE, 2),
        (Stage.PURCHASED, 1),
        (Stage.LOST, 2),
    ]:
        for _ in range(how_many):
            make_referral(owner, stage=stage)
    make_referral(owner, stage=Stage.PURCHASED, days_ago=120)  # before the period

    page = client.get("/admin/").get_data(as_text=True)
    figures = re.findall(r'<th scope="row"><a href="/admin/referrals\?stage=(\w+)">[^<]+</a></th>'
                         r'<td class="num">(\d+)</td>', page)  # fmt: skip

    assert dict(figures) == {
        "invited": "12",
        "contacted": "6",
        "test_drive": "3",
        "purchased": "1",
        "lost": "2",
    }
    assert "2 friends decided against it." in page


def test_dashboard_counts_waiting_redemptions_and_visit_requests_with_links(
    client, as_coordinator, owner, make_redemption, make_visit_request
):
    make_redemption(owner)
    make_redemption(owner)
    make_redemption(owner, status="fulfilled")
    make_visit_request(owner)
    make_visit_request(owner, status="handled")

    page = client.get("/admin/").get_data(as_text=True)

    stat = r'href="{}">\s*<span class="stat-value">{}</span>'
    assert re.search(stat.format("/admin/rewards/redemptions", 2), page)
    assert re.search(stat.format("/admin/visit-requests", 1), page)
    assert "Reward redemptions to fulfil" in page
    assert "Service visit request open" in page


def test_dashboard_shows_open_drives_with_progress(
    client, as_coordinator, owner, make_drive, add_contribution
):
    drive = make_drive("Coats for Kids", goal_amount=1_000_00)
    add_contribution(drive, owner, 300_00, received=True)
    add_contribution(drive, owner, 200_00)
    make_drive("Still a draft", status="draft")

    page = client.get("/admin/").get_data(as_text=True)

    assert "Coats for Kids" in page and "Still a draft" not in page
    assert "$300" in page and "$500 (50%)" in page
    assert 'width="30.0%"' in page and 'width="50.0%"' in page  # received and pledged bars


def test_empty_dashboard_says_what_to_do_next(client, as_coordinator):
    page = client.get("/admin/").get_data(as_text=True)

    assert "Nothing is published yet" in page
    assert "No friends referred in the last 90 days" in page
    assert "No drive is taking pledges" in page
    assert "All caught up" in page


def test_dashboard_keeps_the_section_links(client, as_admin):
    page = client.get("/admin/").get_data(as_text=True)

    assert 'href="/admin/owners"' in page and 'href="/admin/audit"' in page


def test_dashboard_runs_a_fixed_number_of_statements(
    client,
    as_coordinator,
    count_queries,
    make_owner,
    make_event,
    add_rsvp,
    make_referral,
    make_drive,
    add_contribution,
    make_redemption,
    make_visit_request,
):
    def add_data(how_many: int) -> None:
        for number in range(how_many):
            person = make_owner()
            event = make_event(f"Event {number}", capacity=5, seats_taken=5)
            add_rsvp(event, person)
            make_referral(person, stage=list(Stage)[number % 5])
            drive = make_drive(f"Drive {number}")
            add_contribution(drive, person)
            make_redemption(person)
            make_visit_request(person)

    add_data(1)
    few = _statements(client, count_queries, "/admin/")
    add_data(12)
    many = _statements(client, count_queries, "/admin/")
    # The user, the settings and the unread count, then the dashboard's own: upcoming events
    # with the counts (funnel and waiting work), open drives, satisfaction.
    assert few == many <= 6


def test_dashboard_counts_referrals_and_the_waiting_work_with_the_events_in_one_statement(
    app, owner, make_referral, make_redemption, make_visit_request, make_event, count_queries
):
    make_referral(owner, stage=Stage.TEST_DRIVE)
    make_referral(owner, stage=Stage.LOST)
    make_referral(owner, stage=Stage.PURCHASED, days_ago=120)  # before the period
    make_redemption(owner)
    make_visit_request(owner)
    make_visit_request(owner, status="handled")

    now = clock.now()
    with count_queries() as statements:
        nothing_coming = queries.dashboard(db.session, now)
    events = [make_event(f"Clinic {number}", days=number + 1) for number in range(2)]
    coming = queries.dashboard(db.session, now)

    assert len(statements) == 1
    assert (nothing_coming.events, nothing_coming.events_total) == ([], 0)
    assert [event.id for event in coming.events] == [event.id for event in events]
    assert coming.events_total == 2
    assert (coming.funnel, coming.waiting) == (nothing_coming.funnel, nothing_coming.waiting)
    funnel, waiting = coming.funnel, coming.waiting
    assert [(step.stage, step.reached) for step in funnel.steps] == [
        (Stage.INVITED, 2),
        (Stage.CONTACTED, 1),
        (Stage.TEST_DRIVE, 1),
        (Stage.PURCHASED, 0),
    ]
    assert funnel.lost == 1
    assert waiting == queries.WaitingWork(
        pending_redemptions=1, open_visit_requests=1, open_follow_ups=0
    )


def test_dashboard_shows_the_waitlists_of_the_next_events_and_counts_the_rest(
    client, as_coordinator, make_event, add_rsvp, make_owner
):
    events = [make_event(f"Clinic {number}", days=number + 1, capacity=2) for number in range(8)]
    for event in (events[1], events[1], events[7]):
        add_rsvp(event, make_owner())  # waitlisted

    page = client.get("/admin/").get_data(as_text=True)

    shown = re.findall(r'<th scope="row"><a href="/admin/events/(\d+)">Clinic \d</a></th>', page)
    assert shown == [str(event.id) for event in events[:6]]
    assert re.findall(r"(\d+) waiting</text>", page) == ["2"]
    assert re.findall(r'<td class="num">(\d+)</td>\s*</tr>', page) == ["0", "2", "0", "0", "0", "0"]
    assert re.search(r'href="/admin/events">\s*<span class="stat-value">8</span>', page)
    assert "2 more coming up" in page


def test_dashboard_shows_an_item_drive_in_its_own_unit(
    client, as_coordinator, owner, make_drive, add_contribution
):
    drive = make_drive("Toy drive", goal_kind=GoalKind.ITEMS, goal_amount=300, unit_label="toys")
    add_contribution(drive, owner, 52, received=True)
    add_contribution(drive, owner, 1)

    page = client.get("/admin/").get_data(as_text=True)

    assert f'<a href="/admin/charity/{drive.id}">Toy drive</a>' in page
    assert "53 of 300 toys · 1 owner</text>" in page
    assert '<td class="num">52 toys</td>' in page
    assert '<td class="num">53 toys (17%)</td>' in page
    assert '<td class="num">300 toys</td>' in page


def test_each_card_is_a_section_named_by_its_heading_with_its_link(
    client, login, admin_user, coordinator
):
    cards = re.compile(
        r'<section class="card dash-card(?: dash-wide)?" aria-labelledby="(\w+-heading)">\s*'
        r'<div class="section-head">\s*<h2 id="\1">([^<]+)</h2>\s*'
        r'(?:<a href="([^"]+)">)?'
    )
    login(admin_user)
    page = client.get("/admin/").get_data(as_text=True)
    assert cards.findall(page) == [
        ("events-heading", "Upcoming events", "/admin/events"),
        ("funnel-heading", "Referral funnel", "/admin/referrals"),
        ("reminders-heading", "Reminders due this week", "/admin/reminders/settings"),
        ("drives-heading", "Charity drives", "/admin/charity"),
        ("satisfaction-heading", "How did it go?", "/admin/follow-ups"),
    ]
    assert '<div class="page-head dash-head">' in page and "<h1>Good " in page
    client.post("/logout")
    login(coordinator)
    page = client.get("/admin/").get_data(as_text=True)
    assert ("reminders-heading", "Reminders due this week", "") in cards.findall(page)


def test_dashboard_links_follow_the_path_the_portal_is_mounted_at(
    client, as_coordinator, make_event
):
    event = make_event("Launch night")
    for _ in range(2):  # each mount point its own links, however often asked
        mounted = client.get("/admin/", environ_overrides={"SCRIPT_NAME": "/club"})
        page = client.get("/admin/").get_data(as_text=True)
        html = mounted.get_data(as_text=True)
        assert f'href="/club/admin/events/{event.id}"' in html
        assert 'href="/club/admin/events/new"' in html and 'hx-get="/club/admin/dashboard' in html
        assert f'href="/admin/events/{event.id}"' in page and "/club/" not in page


def test_reminders_panel_loads_after_the_page_and_counts_the_week_by_kind(
    client, as_coordinator, owner, make_vehicle, app
):
    today = clock.local_today(app.config["PORTAL_TIMEZONE"])
    # Ownership anniversaries: one on day 3 of the week, one a fortnight away.
    make_vehicle(owner, purchase_date=_years_before(today + timedelta(days=3), 2))
    make_vehicle(owner, purchase_date=_years_before(today + timedelta(days=20), 2))

    page = client.get("/admin/").get_data(as_text=True)
    assert 'hx-get="/admin/dashboard/reminders"' in page

    fragment = client.get("/admin/dashboard/reminders", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in html
    assert re.search(r'<th scope="row">Ownership anniversary</th><td class="num">1</td>', html)
    assert fragment.headers["Cache-Control"] == "private, max-age=600"

    full = client.get("/admin/dashboard/reminders").get_data(as_text=True)
    assert "<html" in full and "Reminders due this week" in full


def test_cars_without_service_history_are_counted_as_asked_not_overdue(
    client, as_coordinator, owner, make_vehicle, add_service, app
):
    today = clock.local_today(app.config["PORTAL_TIMEZONE"])
    car = make_vehicle(owner, purchase_date=today - timedelta(days=900))

    html = client.get("/admin/dashboard/reminders", headers={"HX-Request": "true"}).get_data(True)
    assert "1 car has no service on file yet: its owner is asked" in html
    assert "fell due before today" not in html

    add_service(car, on=today - timedelta(days=400))
    html = client.get("/admin/dashboard/reminders", headers={"HX-Request": "true"}).get_data(True)
    assert "no service on file" not in html
    assert "1 reminder that fell due before today is still open" in html


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29th)."""
    if (day.month, day.day) == (2, 29):
        day -= timedelta(days=1)
    return day.replace(year=day.year - years)


def test_reminders_panel_runs_a_fixed_number_of_statements(
    client, as_coordinator, make_owner, make_vehicle, count_queries
):
    for _ in range(2):
        make_vehicle(make_owner())
    few = _statements(client, count_queries, "/admin/dashboard/reminders")
    for _ in range(20):
        make_vehicle(make_owner())
    many = _statements(client, count_queries, "/admin/dashboard/reminders")
    assert few == many


def test_owner_cannot_open_the_dashboard(client, owner, login):
    login(owner)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/dashboard/reminders").status_code == 403


def test_waitlisted_rsvps_are_counted_not_confirmed_ones(
    client, as_coordinator, make_event, add_rsvp, make_owner
):
    event = make_event("Track day", capacity=2, seats_taken=2)
    add_rsvp(event, make_owner(), status=RsvpStatus.CONFIRMED)
    add_rsvp(event, make_owner(), status=RsvpStatus.WAITLISTED)

    page = client.get("/admin/").get_data(as_text=True)

    assert "2/2 seats · 1 waiting" in page
