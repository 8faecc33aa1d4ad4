"""In Chromium, 375 px wide and without JavaScript: the owner makes a calendar link and leaves
their reminders out of it, on the profile page."""

from datetime import date

import pytest

from portal.extensions import db
from tests.browser.steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_reminders_leave_the_calendar_from_the_profile_without_javascript(
    browser_page, live_server, make_owner, make_vehicle, add_service, axe_check
):
    owner = make_owner(name="Sam Okafor")
    car = make_vehicle(owner, nickname="Blue Civic", purchase_date=date(2024, 1, 5))
    add_service(car, date(2024, 6, 1), miles=9000)
    email = owner.email
    db.session.commit()

    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/account/profile")
    page.get_by_role("button", name="Create my calendar link").click()
    page.locator("#calendar-feed-url").wait_for()
    feed_url = page.locator("#calendar-feed-url").input_value()
    assert page.get_by_label("Also show my service, warranty and recall reminders").is_checked()
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert b"reminder-service" in page.request.get(feed_url).body()

    context = page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    plain = context.new_page()
    plain.set_default_timeout(10_000)
    try:
        sign_in(plain, live_server, email)
        plain.goto(f"{live_server}/account/profile")
        plain.get_by_label("Also show my service, warranty and recall reminders").uncheck()
        plain.locator("form.feed-reminders").get_by_role("button", name="Save").click()
        plain.get_by_text("Your calendar shows only your events now").wait_for()
        assert not plain.get_by_label("Also show my service").is_checked()
    finally:
        context.close()
    feed = page.request.get(feed_url)
    assert feed.status == 200 and b"reminder-" not in feed.body()
    page.reload()
    assert not page.get_by_label("Also show my service").is_checked()
    axe_check(page)
