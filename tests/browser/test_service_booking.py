"""Booking the service lane from a reminder on a phone: the whole way, accessible."""

from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.garage.models import ServiceRecord, Vehicle
from portal.servicelane.models import ServiceWindow
from tests.conftest import TEST_PASSWORD
from tests.servicelane.conftest import MONDAY

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def monday():
    with clock.frozen(MONDAY) as now:
        yield now


def test_an_owner_books_from_a_reminder_on_a_phone_and_sees_the_confirmation(
    monday, live_server, browser_page, axe_check, make_owner, database
):
    if database != "sqlite":
        pytest.skip("the pages do not depend on the database; one walk is enough")
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    civic = Vehicle(
        owner_id=owner.id,
        vin="1HGCV1F30NA000001",
        make="Honda",
        model="Civic",
        year=2022,
        nickname="Blue Civic",
        purchase_date=date(2024, 1, 10),
        purchase_odometer=12,
    )
    db.session.add(civic)
    db.session.flush()
    db.session.add(
        ServiceRecord(
            vehicle_id=civic.id,
            performed_on=MONDAY.date() - timedelta(days=200),
            miles=14_000,
            work_done="Annual service",
        )
    )
    for weekday in range(7):
        db.session.add(
            ServiceWindow(weekday=weekday, starts_at=time(8), ends_at=time(10), capacity=3)
        )
    db.session.commit()
    db.session.remove()

    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/reminders")
    reminder = page.locator("article.reminder", has_text="Service").first
    reminder.get_by_role("link", name="Book a time").click()
    page.wait_for_url("**/service/book?car=*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Blue Civic")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check(page)

    page.get_by_label("8:00 AM EST to 10:00 AM EST").first.check()
    page.get_by_label("I'll drop it off and collect it later").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/service/bookings/*")
    expect(page.get_by_role("heading", name="You're booked in")).to_be_visible()
    expect(page.locator(".booking-confirmation")).to_contain_text("Tue 8 Dec 2026, 8:00 AM EST")
    expect(page.locator(".booking-confirmation")).to_contain_text("drop it off")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check(page)
