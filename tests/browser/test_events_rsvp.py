"""In Chromium: an owner RSVPs, the seat count drops in place, the .ics downloads and parses."""

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from portal import clock
from portal.accounts.models import Role
from portal.events.services import planning as services
from portal.extensions import db
from tests.browser.steps import PHONE, fits_phone, sign_in
from tests.factories import TZ

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go (PORTAL_SCREENSHOTS to keep them), to look at the pages."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_owner_rsvps_and_seat_count_drops_without_a_page_load(
    browser_page, live_server, make_owner, make_user, make_event, rsvp_as, axe_check, screenshots
):
    page = browser_page
    day = (clock.now() + timedelta(days=12)).date()
    event = make_event(
        title="Winter care clinic",
        starts_at=services.local_to_utc(datetime(day.year, day.month, day.day, 10), TZ),
        capacity=12,
        guests_allowed=2,
        description="Tyre tread and battery checks while you have a coffee.\n\nBring any "
        "questions for our technicians.",
    )
    for name in ("Priya Patel", "Marcus Reyes", "Elena Novak"):
        rsvp_as(make_owner(name=name), event, guests=1)
    owner = make_owner(name="Sam Okafor")
    coordinator = make_user(name="Jordan Blake", role=Role.COORDINATOR)
    event_id, owner_email, coordinator_email = event.id, owner.email, coordinator.email
    db.session.commit()

    sign_in(page, live_server, owner_email)
    page.goto(f"{live_server}/events/{event_id}")
    seats = page.locator("#seats-left .seats-count")
    assert seats.inner_text() == "6"
    axe_check(page)
    page.evaluate("window.loadedOnce = true")
    page.select_option("#rsvp-guests", "1")
    page.click("#rsvp-box button[type=submit]")
    page.locator("#rsvp-box").get_by_text("You're going").wait_for()
    assert seats.inner_text() == "4"
    assert page.evaluate("window.loadedOnce") is True, "the page was reloaded"
    axe_check(page)
    page.screenshot(path=str(screenshots / "event-page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#rsvp-box").get_by_text("Add to calendar").click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    [entry] = calendar.walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Winter care clinic"
    assert entry["DTSTART"].dt.utcoffset().total_seconds() == 0

    page.goto(f"{live_server}/events")
    axe_check(page)
    page.screenshot(path=str(screenshots / "event-list.png"), full_page=True)
    page.goto(f"{live_server}/my-events")
    axe_check(page)
    page.locator(".my-event").get_by_text("Ticket").click()
    page.locator(".ticket-qr").wait_for()
    axe_check(page)
    page.screenshot(path=str(screenshots / "ticket.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, live_server, coordinator_email)
    page.goto(f"{live_server}/admin/events/{event_id}")
    axe_check(page)
    first_row = page.locator("table.attendees tbody tr").first
    # Days before the event the door is not open yet: the row says when it opens, in place.
    first_row.get_by_role("button", name="Check in").click()
    refusal = page.locator("table.attendees tbody tr").first.get_by_role("alert")
    refusal.wait_for()
    assert "opens on" in refusal.inner_text() and "before the start" in refusal.inner_text()
    assert page.evaluate("document.querySelectorAll('.checked-in').length") == 0
    checked_in = page.locator("#event-stats .stat").nth(2).locator(".stat-value")
    assert checked_in.inner_text() == "0"
    axe_check(page)
    page.screenshot(path=str(screenshots / "admin-attendees.png"), full_page=True)


def test_owner_pages_through_the_event_list_in_place(
    browser_page, live_server, make_owner, make_event, axe_check
):
    page = browser_page
    for day in range(1, 23):
        make_event(title=f"Clinic on day {day:02d}", days=day)
    owner_email = make_owner(name="Sam Okafor").email
    db.session.commit()

    sign_in(page, live_server, owner_email)
    page.goto(f"{live_server}/events")
    cards = page.locator("#event-list .event-card")
    assert cards.count() == 20
    page.evaluate("window.loadedOnce = true")
    page.get_by_role("link", name="More events →").click()
    page.locator("#event-list").get_by_text("Page 2").wait_for()
    assert cards.count() == 2
    assert cards.first.locator("h2").inner_text() == "Clinic on day 21"
    assert page.url.endswith("/events?page=2")
    assert page.evaluate("window.loadedOnce") is True, "the page was reloaded"
    axe_check(page)
    page.set_viewport_size(PHONE)
    fits_phone(page)
    page.get_by_role("link", name="← Previous events").click()
    page.locator("#event-list").get_by_text("Page 1").wait_for()
    assert cards.count() == 20
    fits_phone(page)
