"""In Chromium on a phone: a coordinator finds a guest by typing and checks them in, no scanner."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import clock
from portal.events.models import Rsvp, RsvpStatus
from portal.extensions import db
from portal.points.queries import points_balance
from tests.browser.steps import PHONE, fits_phone
from tests.conftest import TEST_PASSWORD
from tests.factories import TZ

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_coordinator_checks_a_guest_in_by_search_on_a_phone(
    browser_page, live_server, make_event, make_owner, make_coordinator, rsvp_as, axe_check
):
    from playwright.sync_api import expect

    local = ZoneInfo(TZ)
    day = clock.now().astimezone(local).date() + timedelta(days=5)
    start = datetime.combine(day, time(18, 0), tzinfo=local)
    event = make_event(title="Spring launch evening", starts_at=start, guests_allowed=2)
    priya = make_owner(name="Priya Patel", email="priya.patel@example.com")
    rsvp = rsvp_as(priya, event, guests=2)
    for name in ("Marcus Reyes", "Elena Novak", "Priyanka Shah-Whitcombe-Lindqvist"):
        rsvp_as(make_owner(name=name), event)
    dana = make_coordinator(name="Dana Whitfield")
    event_id, rsvp_id, priya_id, email = event.id, rsvp.id, priya.id, dana.email
    db.session.commit()
    page = browser_page
    page.set_viewport_size(PHONE)
    with clock.frozen(start + timedelta(minutes=2)):
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{live_server}/admin/events/{event_id}/door")
        assert "0 of 6 people in" in " ".join(page.inner_text("#door-counts").split())
        fits_phone(page)
        axe_check(page)
        assert page.locator("video").is_hidden()  # the camera starts only when asked

        page.fill("#door-q", "priya pat")
        card = page.locator(f"#door-rsvp-{rsvp_id}")
        expect(page.locator("#door-results .door-card")).to_have_count(1)
        assert "Marcus" not in page.inner_text("#door-results")
        card.locator("input[name=guests]").fill("1")
        card.get_by_role("button", name="Check in Priya Patel").click()
        page.locator(f"#door-rsvp-{rsvp_id}.is-in").wait_for()
        assert "by Dana, with 1 guest" in page.inner_text(f"#door-rsvp-{rsvp_id}")
        assert "2 of 6 people in" in " ".join(page.inner_text("#door-counts").split())
        assert page.url.endswith("q=priya%20pat")  # the search stays in the address
        fits_phone(page)
        axe_check(page)

    db.session.expire_all()
    checked = db.session.get(Rsvp, rsvp_id)
    assert checked.status == RsvpStatus.ATTENDED and checked.arrived_guests == 1
    assert points_balance(db.session, priya_id) == 50
    db.session.commit()
