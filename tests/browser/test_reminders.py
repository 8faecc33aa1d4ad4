"""My reminders in a real browser: snoozing updates in place, and the page is accessible."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import clock
from portal.extensions import db
from portal.garage.models import ServiceRecord, Vehicle
from portal.reminders.models import SeasonalCampaign
from tests.conftest import TEST_PASSWORD
from tests.factories import TZ

pytestmark = pytest.mark.browser


def test_owner_snoozes_a_service_reminder_without_a_page_load(
    live_server, browser_page, axe_check, make_owner, tmp_path
):
    today = clock.now().date()
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    civic = Vehicle(
        owner_id=owner.id,
        vin="1HGCV1F30NA000001",
        make="Honda",
        model="Civic",
        year=2022,
        nickname="Blue Civic",
        purchase_date=today - timedelta(days=700),
        purchase_odometer=12,
        warranty_end_date=today + timedelta(days=40),
    )
    rav = Vehicle(
        owner_id=owner.id,
        vin="2T3W1RFV8NW000002",
        make="Toyota",
        model="RAV4",
        year=2023,
        purchase_date=today - timedelta(days=90),
        purchase_odometer=5,
    )
    db.session.add_all([civic, rav])
    db.session.flush()
    db.session.add(
        ServiceRecord(
            vehicle_id=civic.id,
            performed_on=today - timedelta(days=200),
            miles=14_000,
            work_done="Annual service",
        )
    )
    db.session.add(
        SeasonalCampaign(
            name="Winter tyres",
            advice="Swap to winter tyres before the first frost; we store your summer set.",
            start_month=today.month,
            start_day=1,
            end_month=today.month,
            end_day=28,
        )
    )
    db.session.commit()

    page = browser_page
    page.set_viewport_size({"width": 1200, "height": 1100})
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "sam@example.com")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.click("nav >> text=Reminders")
    page.wait_for_url(f"{live_server}/reminders")
    assert page.locator("h1").inner_text() == "My reminders"
    axe_check(page)
    page.screenshot(path=str(tmp_path / "reminders.png"), full_page=True)

    service = page.locator("article.reminder", has_text="Service overdue").first
    page.evaluate("window.stillTheSamePage = true")
    service.get_by_role("button", name="Snooze 7 days").click()
    snoozed = page.locator("article.reminder-snoozed")
    snoozed.wait_for()
    # A week from the dealership's today, which is not the machine's between midnight UTC
    # and midnight in New York.
    until = clock.now().astimezone(ZoneInfo(TZ)).date() + timedelta(days=7)
    assert f"{until.day} {until:%b %Y}" in snoozed.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True
    axe_check(page)
    page.screenshot(path=str(tmp_path / "reminders-snoozed.png"), full_page=True)


def test_owner_updates_the_miles_and_tells_us_the_last_service_in_place(
    live_server, browser_page, axe_check, make_owner, tmp_path
):
    today = clock.now().date()
    owner = make_owner(name="Ada Brook", email="ada@example.com")
    db.session.add(
        Vehicle(
            owner_id=owner.id,
            vin="1HGCV1F30NA000003",
            make="Honda",
            model="Accord",
            year=2022,
            nickname="Accord",
            purchase_date=today - timedelta(days=1000),
            purchase_odometer=12,
        )
    )
    db.session.commit()

    page = browser_page
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/reminders")
    card = page.locator("section.reminder-group", has_text="Accord")
    assert "our estimate" in card.inner_text()
    assert "When was its last service?" in card.inner_text()
    assert page.locator("#reminder-summary").inner_text() == "1 thing to look at"
    axe_check(page)
    page.evaluate("window.stillTheSamePage = true")

    # A figure lower than nothing is refused next to the field; then the real one is taken.
    card.get_by_label("Miles on the clock today").fill("-5")
    card.get_by_role("button", name="Update the miles").click()
    page.locator(".miles-form .error").wait_for()
    card.get_by_label("Miles on the clock today").fill("31250")
    card.get_by_role("button", name="Update the miles").click()
    page.get_by_text("31,250 miles, as you told us today.").wait_for()
    assert "our estimate" not in card.inner_text()

    # The last service, also in place: the question gives way to a real reminder.
    last_service = today - timedelta(days=40)
    card.get_by_label("Date of its last service").fill(last_service.isoformat())
    card.get_by_label("Miles at the time (optional)").fill("30000")
    card.get_by_role("button", name="Save its last service").click()
    page.get_by_text(f"since its last service on {last_service:%a} {last_service.day}").wait_for()
    assert "When was its last service?" not in card.inner_text()
    assert "to look at" not in page.locator("#reminder-summary").inner_text()
    assert page.evaluate("window.stillTheSamePage") is True
    assert db.session.query(ServiceRecord).filter_by(miles=30000).count() == 1
    axe_check(page)
    page.screenshot(path=str(tmp_path / "reminders-answered.png"), full_page=True)
