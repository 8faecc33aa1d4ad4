"""Every page fits a 375 px phone, for every role, and passes axe there.

The pages come from the URL map, filled with the demo dealership's ids as
tests/test_get_is_safe.py fills them, so a new page is measured as soon as it exists.
Each role browses in its own context of one browser; only the pages a role can open
(200, HTML) are measured.
"""

import pytest
from sqlalchemy import select

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.extensions import db
from tests.test_get_is_safe import ROLES, _seed_everything, get_routes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Endpoints that answer with files, not pages.
NOT_PAGES = {"static", "healthz", "charity.cover"}
PHONE = {"width": 375, "height": 812}


def _pages_for(context, live_server, routes) -> list[str]:
    """The paths this context's person can open as a page (200 and HTML, no download)."""
    pages = []
    for endpoint, path in routes:
        if endpoint in NOT_PAGES or path.endswith((".csv", ".ics")):
            continue
        response = context.request.get(f"{live_server}{path}", max_redirects=0)
        kind = response.headers.get("content-type", "")
        is_download = "attachment" in response.headers.get("content-disposition", "")
        if response.status == 200 and kind.startswith("text/html") and not is_download:
            pages.append(path)
        response.dispose()
    return pages


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_every_page_fits_a_phone_for_every_role(
    app, runner, live_server, browser_page, axe_check, database
):
    owner, values = _seed_everything(runner)
    people = {
        "owner": owner.email,
        "coordinator": db.session.scalar(select(User.email).where(User.role == "coordinator")),
        "admin": db.session.scalar(select(User.email).where(User.role == "admin")),
    }
    routes = get_routes(app, values)
    # The server needs the write lock this thread's session may hold (see live_server).
    db.session.remove()
    browser = browser_page.context.browser
    too_wide, inaccessible, measured = [], [], {}
    for role in ROLES:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            if role != "visitor":
                _sign_in(page, live_server, people[role])
            pages = _pages_for(context, live_server, routes)
            for path in pages:
                page.goto(f"{live_server}{path}")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    too_wide.append(f"{role} {path}: {width}px")
                try:
                    axe_check(page)
                except AssertionError as violations:
                    inaccessible.append(f"{role}: {violations}")
            measured[role] = len(pages)
        finally:
            context.close()
    print("\n".join(too_wide))
    assert not too_wide, "wider than a 375 px phone:\n" + "\n".join(too_wide)
    assert not inaccessible, "\n".join(inaccessible)
    # The walk reached the pages each role has (a broken sign-in would measure only a few).
    assert measured["visitor"] >= 10
    assert min(measured["owner"], measured["coordinator"], measured["admin"]) >= 25
