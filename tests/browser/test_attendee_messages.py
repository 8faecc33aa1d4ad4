"""In Chromium on a phone: a coordinator writes to an event's attendees, previews who it
reaches, sends it, and the owner finds it in their inbox; with and without JavaScript."""

import pytest
from sqlalchemy import func, select

from portal.events.models import EventMessage, RsvpStatus
from portal.extensions import db
from portal.notifications.models import Notification
from tests.browser.steps import PHONE, fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_coordinator_previews_then_sends_and_the_owner_reads_it_in_the_inbox(
    browser_page,
    live_server,
    make_event,
    make_owner,
    make_coordinator,
    add_rsvp,
    axe_check,
    javascript,
):
    from playwright.sync_api import expect

    event = make_event("Spring launch evening")
    grace = make_owner(name="Grace Whitfield", email="grace@example.com")
    add_rsvp(event, grace, RsvpStatus.CONFIRMED)
    add_rsvp(event, make_owner(name="Liam Waiting"), RsvpStatus.WAITLISTED)
    add_rsvp(event, make_owner(name="Mia Cancelled"), RsvpStatus.CANCELLED)
    dana = make_coordinator(name="Dana Door")
    event_id, dana_email = event.id, dana.email
    db.session.commit()
    db.session.remove()
    context = browser_page.context.browser.new_context(
        viewport=PHONE, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, dana_email)
        page.goto(f"{live_server}/admin/events/{event_id}")
        page.get_by_role("link", name="Message attendees…").click()
        page.get_by_label("Confirmed (checked-in included)").check()
        page.get_by_label("Subject").fill("Parking has moved")
        page.get_by_label("Message").fill("Please use the side lot on Elm Street.")
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("#message-composer")
        expect(preview).to_contain_text("1 owner will get it")
        expect(preview).to_contain_text("Grace Whitfield")
        expect(preview).to_contain_text("Hello Grace,")
        expect(preview).not_to_contain_text("Liam Waiting")
        fits_phone(page)
        if javascript:
            axe_check(page)
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        db.session.remove()  # the server needs the write lock this thread's read holds
        page.get_by_role("button", name="Send to 1 owner").click()
        page.wait_for_url(f"**/admin/events/{event_id}")
        expect(page.locator(".message-history")).to_contain_text("Dana Door")
        expect(page.locator("body")).to_contain_text("Sent to 1 owner")
        fits_phone(page)
        assert db.session.scalar(select(func.count()).select_from(EventMessage)) == 1
        db.session.remove()

        page.goto(f"{live_server}/logout")
        context.clear_cookies()
        sign_in(page, live_server, "grace@example.com")
        page.goto(f"{live_server}/inbox")
        page.get_by_role("link", name="Parking has moved").click()
        expect(page.locator("main")).to_contain_text("Please use the side lot on Elm Street.")
        expect(page.locator("main")).to_contain_text("you have a place at Spring launch evening")
    finally:
        context.close()
