"""In Chromium on a 375 px phone: staff complete a visit with a photo; the owner sees its story."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.steps import fits_phone, sign_in
from tests.visits.files import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 375, "height": 812}


def test_staff_complete_a_visit_with_a_photo_and_the_owner_sees_it_on_a_phone(
    live_server, browser_page, axe_check, make_owner, make_vehicle, coordinator, tmp_path
):
    owner = make_owner(name="Priya Shah", email="priya@example.com")
    golf = make_vehicle(owner, make="Volkswagen", model="Golf", year=2021, nickname="Blue Golf")
    staff_email, golf_id = coordinator.email, golf.id
    db.session.commit()
    db.session.remove()
    photo = tmp_path / "pads.jpg"
    photo.write_bytes(jpeg_with_gps())

    browser = browser_page.context.browser
    staff = browser.new_context(viewport=PHONE)
    page = staff.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, staff_email)
        page.goto(f"{live_server}/admin/visits")
        page.get_by_label("VIN, owner's name or email").fill("priya")
        page.get_by_role("button", name="Find").click()
        page.get_by_role("link", name="Blue Golf").click()
        page.wait_for_url(f"**/admin/visits/cars/{golf_id}/complete")
        fits_phone(page)
        axe_check(page)
        page.get_by_label("What we did and why").fill("Annual service; the front pads are thin.")
        page.get_by_label("Miles on the clock").fill("18200")
        line = page.get_by_role("group", name="Line 1")
        line.get_by_label("Work or part").fill("Annual service")
        line.get_by_label("Hours or count").fill("1.5")
        advice = page.get_by_role("group", name="Recommendation 1")
        advice.get_by_label("Recommendation").fill("Front brake pads")
        advice.get_by_label("Or at miles").fill("24000")
        first_file = page.get_by_role("group", name="File 1")
        first_file.get_by_label("Photo or clip").set_input_files(str(photo))
        first_file.get_by_label("What it shows").fill("Front brake pads, about 3 mm left")
        page.get_by_role("button", name="Complete the visit").click()
        page.get_by_text("Visit completed").wait_for()
        fits_phone(page)
        axe_check(page)
    finally:
        staff.close()

    mine = browser.new_context(viewport=PHONE)
    page = mine.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "priya@example.com")
        page.goto(f"{live_server}/garage/{golf_id}")
        story = page.locator("#visits")
        story.get_by_text("Annual service; the front pads are thin.").wait_for()
        story.get_by_text("Front brake pads").first.wait_for()
        image = story.get_by_role("img", name="Front brake pads, about 3 mm left")
        image.wait_for()
        image.scroll_into_view_if_needed()
        expect(page.locator("#visits img").first).to_have_js_property("complete", True)
        # The thumbnail loaded for this owner: 480 px on its longest side.
        assert page.evaluate("document.querySelector('#visits img').naturalWidth") == 480
        fits_phone(page)
        axe_check(page)
    finally:
        mine.close()
