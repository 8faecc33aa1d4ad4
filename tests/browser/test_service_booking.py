"""Booking the service lane from a reminder on a phone: the whole way, accessible."""

from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.garage.models import ServiceRecord, Vehicle
from portal.servicelane.models import ServiceWindow
from tests.browser.steps import fits_phone, sign_in
from tests.conftest import TEST_PASSWORD
from tests.servicelane.conftest import MONDAY
from tests.visits.files import jpeg_with_gps

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def monday():
    with clock.frozen(MONDAY) as now:
        yield now


def test_an_owner_books_from_a_reminder_on_a_phone_and_sees_the_visit_story_afterwards(
    monday, live_server, browser_page, axe_check, make_owner, coordinator, tmp_path
):
    """The lane's whole way on phones: the owner books from a reminder and gets the
    confirmation; the advisor marks the work done and writes up the visit with a photo; the
    owner reads the story, photo included, on the car's page."""
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
    civic_id, staff_email = civic.id, coordinator.email
    db.session.remove()
    photo = tmp_path / "brakes.jpg"
    photo.write_bytes(jpeg_with_gps())

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
    booking_id = page.url.rsplit("/", 1)[-1]

    staff = browser_page.context.browser.new_context(viewport=PHONE)
    advisor = staff.new_page()
    advisor.set_default_timeout(10_000)
    try:
        sign_in(advisor, live_server, staff_email)
        advisor.goto(f"{live_server}/admin/service/bookings/{booking_id}")
        advisor.get_by_role("button", name="Done", exact=True).click()
        advisor.get_by_role("link", name="Write up the visit").click()
        advisor.wait_for_url(f"**/admin/visits/cars/{civic_id}/complete?booking={booking_id}")
        fits_phone(advisor)
        axe_check(advisor)
        advisor.get_by_label("What we did and why").fill("Annual service; the rear pads are thin.")
        first_file = advisor.get_by_role("group", name="File 1")
        first_file.get_by_label("Photo or clip").set_input_files(str(photo))
        first_file.get_by_label("What it shows").fill("Rear brake pads, about 3 mm left")
        advisor.get_by_role("button", name="Complete the visit").click()
        advisor.get_by_text("Visit completed").wait_for()
    finally:
        staff.close()

    page.goto(f"{live_server}/garage/{civic_id}")
    story = page.locator("#visits")
    story.get_by_text("Annual service; the rear pads are thin.").wait_for()
    image = story.get_by_role("img", name="Rear brake pads, about 3 mm left")
    image.scroll_into_view_if_needed()
    expect(page.locator("#visits img").first).to_have_js_property("complete", True)
    assert page.evaluate("document.querySelector('#visits img').naturalWidth") > 0
    fits_phone(page)
    axe_check(page)
