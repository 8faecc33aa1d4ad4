"""In Chromium: a coordinator sets an event's questions, an owner answers them at RSVP, and
the attendee CSV the coordinator downloads carries the answers."""

import csv
import io
from pathlib import Path

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, base_url, email):
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_registration_questions_appear_in_the_csv(
    browser_page, live_server, make_owner, make_user, make_event, axe_check
):
    page = browser_page
    event = make_event(title="MX-5 owners' meet", capacity=12, guests_allowed=1)
    event.ask_guest_names = True
    owner = make_owner(name="Sam Okafor")
    coordinator = make_user(name="Jordan Blake", role=Role.COORDINATOR)
    event_id, owner_email, coordinator_email = event.id, owner.email, coordinator.email
    db.session.commit()

    # The coordinator asks two questions.
    _sign_in(page, live_server, coordinator_email)
    page.goto(f"{live_server}/admin/events/{event_id}/questions")
    page.get_by_label("Question").fill("Which car will you bring?")
    page.get_by_label("Answered with").select_option("choice")
    page.get_by_label("Options").fill("MX-5 RF\nMX-5 soft top")
    page.get_by_label("Owners must answer it").check()
    page.get_by_role("button", name="Add question").click()
    page.get_by_text("Added “Which car will you bring?”").wait_for()
    page.get_by_label("Question").fill("Would you like a test drive?")
    page.get_by_label("Answered with").select_option("yes_no")
    page.get_by_role("button", name="Add question").click()
    page.get_by_text("Added “Would you like a test drive?”").wait_for()
    axe_check(page)

    # The owner forgets the required one first: the message sits next to it, nothing booked.
    _sign_in(page, live_server, owner_email)
    page.goto(f"{live_server}/events/{event_id}")
    box = page.locator("#rsvp-box")
    box.get_by_role("button", name="RSVP").click()
    box.get_by_text("Please answer this question").wait_for()
    assert "You're going" not in box.inner_text()
    axe_check(page)
    box.get_by_label("Which car will you bring?").select_option("MX-5 soft top")
    box.get_by_label("Yes").check()
    box.get_by_label("Guests coming with you").select_option("1")
    box.get_by_label("Guest 1's name").fill("=Ama Mensah")
    box.get_by_role("button", name="RSVP").click()
    box.get_by_text("You're going").wait_for()
    assert "MX-5 soft top" in box.inner_text() and "=Ama Mensah" in box.inner_text()
    axe_check(page)

    # The coordinator sees the answers on the list and downloads them.
    _sign_in(page, live_server, coordinator_email)
    page.goto(f"{live_server}/admin/events/{event_id}")
    assert "MX-5 soft top" in page.locator("table.attendees").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[-3:] == [
        "Which car will you bring?",
        "Would you like a test drive?",
        "Guest names",
    ]
    assert row[0] == "Sam Okafor"
    assert row[-3:] == ["MX-5 soft top", "Yes", "'=Ama Mensah"]
