"""Every page fits a 375 px phone, for every role, and passes axe there.

The pages come from the URL map, filled with the demo dealership's ids as
tests/test_get_is_safe.py fills them, so a new page is measured as soon as it exists.
Each role is a test of its own (so the walk spreads over the test workers), browsing in its
own context of the worker's one browser, with axe loaded into every page it opens; only the
pages a role can open (200, HTML) are measured. A coordinator's pages are the admin's with
the admin-only links and buttons left out, and axe checks each of them in the admin's walk:
the coordinator's walk measures the width of every page and runs axe on the dashboard, where
their shorter menu is. On a phone the owner's sections fold into a
Menu button (a `<details>`), which opens from the keyboard and without JavaScript.
"""

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.extensions import db
from tests.factories import TEST_PASSWORD
from tests.test_get_is_safe import ROLES, _seed_everything, get_routes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Endpoints that answer with files, not pages.
NOT_PAGES = {"static", "healthz", "charity.cover"}
PHONE = {"width": 375, "height": 812}
#: The pages axe checks for a role whose pages another role's walk checks in full.
AXE_ONLY = {"coordinator": {"/admin/"}}


def _pages_for(app, context, routes) -> list[str]:
    """The paths this context's person can open as a page (200 and HTML, no download).

    Asked in-process with the browser's own cookies: the same app gives the same answers,
    without a trip through the browser and the server for each of the ~180 routes.
    """
    client = app.test_client()
    for cookie in context.cookies():
        client.set_cookie(cookie["name"], cookie["value"])
    pages = []
    for endpoint, path in routes:
        if endpoint in NOT_PAGES or path.endswith((".csv", ".ics")):
            continue
        response = client.get(path)
        is_download = "attachment" in response.headers.get("Content-Disposition", "")
        if response.status_code == 200 and response.mimetype == "text/html" and not is_download:
            pages.append(path)
        response.close()
    return pages


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(app, runner, live_server, browser_page, axe_check, role):
    owner, values = _seed_everything(runner)
    people = {
        "owner": owner.email,
        "coordinator": db.session.scalar(select(User.email).where(User.role == "coordinator")),
        "admin": db.session.scalar(select(User.email).where(User.role == "admin")),
    }
    routes = get_routes(app, values)
    # The server needs the write lock this thread's session may hold (see live_server).
    db.session.remove()
    too_wide, inaccessible = [], []
    context = browser_page.context.browser.new_context(viewport=PHONE)
    context.add_init_script(AXE_SCRIPT)  # axe_check finds it loaded and runs it
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        if role != "visitor":
            _sign_in(page, live_server, people[role])
        pages = _pages_for(app, context, routes)
        axe_pages = AXE_ONLY.get(role, pages)
        assert set(axe_pages) <= set(pages), f"{role} cannot open {set(axe_pages) - set(pages)}"
        for path in pages:
            page.goto(f"{live_server}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{role} {path}: {width}px")
            if path not in axe_pages:
                continue
            try:
                axe_check(page)
            except AssertionError as violations:
                inaccessible.append(f"{role}: {violations}")
    finally:
        context.close()
    assert not too_wide, "wider than a 375 px phone:\n" + "\n".join(too_wide)
    assert not inaccessible, "\n".join(inaccessible)
    # The walk reached the pages the role has (a broken sign-in would measure only a few).
    assert len(pages) >= (10 if role == "visitor" else 25)


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_the_owners_menu_is_a_menu_button_on_a_phone(
    live_server, browser_page, make_user, axe_check, javascript
):
    make_user(name="Sam Okafor", email="sam@example.com")
    db.session.commit()
    db.session.remove()
    context = browser_page.context.browser.new_context(
        viewport=PHONE, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill("sam@example.com")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        main = page.get_by_role("navigation", name="Main")
        expect(main).to_have_count(0)  # folded away: only the button shows
        menu = page.locator("summary", has_text="Menu")
        menu.focus()
        page.keyboard.press("Enter")
        for name in ("Rewards", "Invite a friend", "Community"):
            link = main.get_by_role("link", name=name)
            expect(link).to_be_visible()
            assert link.bounding_box()["x"] + link.bounding_box()["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        if javascript:
            axe_check(page)
        main.get_by_role("link", name="Rewards").click()
        page.wait_for_url("**/rewards")

        page.set_viewport_size({"width": 1024, "height": 768})
        expect(page.locator("summary", has_text="Menu")).to_be_hidden()
        wide = page.get_by_role("navigation", name="Main")
        expect(wide).to_have_count(1)  # the row of links, and not the folded copy as well
        expect(wide.get_by_role("link", name="Invite a friend")).to_be_visible()
    finally:
        context.close()


def test_the_attendee_message_preview_fits_a_phone(
    live_server,
    browser_page,
    make_event,
    make_owner,
    make_coordinator,
    add_rsvp,
    axe_check,
):
    """The preview answers a POST, so the walk above never reaches it; nor the sent list."""
    event = make_event("Launch evening for the all-new electric estate with a very long name")
    for number in range(12):
        add_rsvp(
            event, make_owner(name=f"Alexandria Montgomery-Featherstonehaugh {number}"), "confirmed"
        )
    make_coordinator(name="Dana Door", email="dana@example.com")
    event_id = event.id
    db.session.commit()
    db.session.remove()
    context = browser_page.context.browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill("dana@example.com")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{live_server}/admin/events/{event_id}/message")
        page.get_by_label("Subject").fill("Parking " * 18)
        page.get_by_label("Message").fill("https://example.com/" + "a-long-unbroken-path" * 12)
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_role("button", name="Send to 12 owners")).to_be_visible()
        for _ in range(2):
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            axe_check(page)
            if "/message" not in page.url:
                break
            page.get_by_role("button", name="Send to 12 owners").click()
            page.wait_for_url(f"**/admin/events/{event_id}")
        expect(page.locator(".message-history")).to_contain_text("Dana Door")
    finally:
        context.close()
