"""In Chromium: an owner pledges and watches the bar move; the honour roll names only opt-ins."""
# ruff: noqa: F811 - the charity fixtures are imported by name and used as arguments

import os
from pathlib import Path

import pytest

from portal import clock
from portal.community.models import Announcement, Audience, BodyFormat
from portal.extensions import db
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: PORTAL_SCREENSHOT_DIR to keep them, else the test's tmp dir."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _seed(make_drive, make_owner, pledge):
    drive = make_drive(
        goal_amount=1_000_00,
        match_percent=100,
        match_cap=200_00,
        story=(
            "Every winter, children arrive at the shelter without a warm coat.\n\n"
            "Pledge what you can; we'll match every dollar owners give, up to $200."
        ),
    )
    pledge(drive, make_owner(name="Grace Whitfield"), 120_00, show_name=True,
           message="For the families on our street.")  # fmt: skip
    pledge(drive, make_owner(name="Quentin Hidden"), 80_00, show_name=False,
           message="Happy to help <b>quietly</b>.")  # fmt: skip
    db.session.add_all(
        [
            Announcement(
                title="Coats for Kids: we're halfway there",
                body="Thank you, everyone. **Every dollar** is matched.\n\n"
                "- Drop coats at the service desk\n- Or pledge online",
                body_format=BodyFormat.MARKDOWN,
                pinned=True,
                audience=Audience.EVERYONE,
                published_at=clock.now(),
            ),
            Announcement(
                title="Saturday service hours are back",
                body="The workshop is open on Saturdays from 8am to 1pm.",
                audience=Audience.OWNERS,
                published_at=clock.now(),
            ),
        ]
    )
    sam = make_owner(name="Sam Okafor", email="sam@example.com")
    db.session.commit()
    return drive.id, sam.email


def test_owner_pledges_and_sees_the_bar_move_without_a_page_load(
    browser_page, live_server, make_drive, make_owner, pledge, axe_check, shots
):
    drive_id, email = _seed(make_drive, make_owner, pledge)
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/drives/{drive_id}")
    honour_roll = page.locator("#honour-roll")
    assert "Grace W." in honour_roll.inner_text()
    assert "Quentin" not in page.content()
    assert "1 owner who gave quietly" in honour_roll.inner_text()
    page.screenshot(path=str(shots / "drive-visitor-desktop.png"), full_page=True)

    page.goto(f"{live_server}/login?next=/drives/{drive_id}")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**/drives/{drive_id}")

    total = page.locator("#drive-progress .drive-progress-total")
    assert total.inner_text() == "$400"  # 200 pledged + 200 matched
    received_width = page.locator("#drive-progress .progress-pledged").get_attribute("width")
    page.evaluate("window.pledgedWithoutReload = true")

    page.fill("#amount", "150")
    page.fill("#message", "Warm coats for everyone!")
    page.check("input[name=recognition][value=name]")
    page.click("#pledge-box button[type=submit]")
    page.locator("#pledge-box .flash-success").wait_for()

    assert page.evaluate("window.pledgedWithoutReload === true")  # no navigation happened
    assert total.inner_text() == "$550"  # 350 pledged + the match, capped at 200
    assert page.locator("#drive-progress .progress-pledged").get_attribute("width") != (
        received_width
    )
    assert page.locator("#drive-progress .progress-pledged").get_attribute("width") == "55.0"
    names = page.locator("#honour-roll .honour-names li").all_inner_texts()
    assert names == ["Grace W.", "Sam O."]
    assert "Quentin" not in page.content()
    axe_check(page)
    page.screenshot(path=str(shots / "drive-owner-desktop.png"), full_page=True)

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(shots / "drive-owner-320.png"), full_page=True)


def test_community_page_reads_well_and_passes_axe(
    browser_page, live_server, make_drive, make_owner, pledge, axe_check, shots
):
    _seed(make_drive, make_owner, pledge)
    make_drive(name="500 toys for the holidays", goal_kind="items", goal_amount=500,
               unit_label="toys", beneficiary_name="Toys for Tots")  # fmt: skip
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/community")
    assert page.locator(".announcement").count() == 1  # visitors: the public one only
    assert page.locator(".drive-card").count() == 2
    axe_check(page)
    page.screenshot(path=str(shots / "community-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(shots / "community-320.png"), full_page=True)
