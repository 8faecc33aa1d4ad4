"""In Chromium: a visitor reads older announcements a page at a time, without a page load."""

from datetime import timedelta

import pytest

from portal import clock
from portal.community import queries
from portal.extensions import db
from tests import factories
from tests.browser.steps import PHONE, fits_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_older_announcements_swap_in_place(browser_page, live_server, app, axe_check):
    page = browser_page
    for n in range(queries.PAGE_SIZE + 2):
        factories.announcement(
            f"Club news {n:02d}",
            body=f"What happened in week {n}.",
            published_at=clock.now() - timedelta(days=n),
        )
    db.session.commit()

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/community")
    items = page.locator("#announcements article")
    assert items.count() == queries.PAGE_SIZE
    page.evaluate("window.loadedOnce = true")
    page.get_by_role("link", name="Older announcements →").click()
    page.locator("#announcements").get_by_text("Page 2").wait_for()
    assert items.count() == 2
    assert items.first.locator("h3").inner_text() == f"Club news {queries.PAGE_SIZE:02d}"
    assert page.url.endswith("/community?page=2")
    assert page.evaluate("window.loadedOnce") is True, "the page was reloaded"
    axe_check(page)
    fits_phone(page)
    page.get_by_role("link", name="← Newer announcements").click()
    page.locator("#announcements").get_by_text("Page 1").wait_for()
    assert items.first.locator("h3").inner_text() == "Club news 00"
