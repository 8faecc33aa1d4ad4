"""In Chromium: an owner gives reward points to a charity drive and sees the drive's total grow."""
# ruff: noqa: F811 - the charity and rewards fixtures are imported by name and used as arguments

import os
from pathlib import Path

import pytest

from portal import clock
from portal.events.models import Audience, EventKind
from portal.events.services import planning as event_services
from portal.extensions import db
from portal.points.services import award_points
from portal.rewards.models import Category, Reward
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: PORTAL_SCREENSHOT_DIR to keep them, else the test's tmp dir."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _seed(make_drive, make_owner, pledge, link_events):
    """Two open drives (one with a car wash), the catalogue, an owner with 400 points."""
    coats = make_drive(name="Coats for Kids", goal_amount=1_000_00)
    make_drive(name="Spring food bank", beneficiary_name="Eastside Food Bank")
    pledge(coats, make_owner(name="Grace Whitfield"), 100_00, show_name=True)
    from datetime import timedelta

    starts = clock.now() + timedelta(days=9)
    wash = event_services.create_event(
        db.session,
        event_services.EventDetails(
            title="Charity car wash",
            kind=EventKind.CHARITY,
            description="Every wash buys a coat.",
            location="Service forecourt",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=40,
            audience=Audience.PUBLIC,
        ),
        clock.now(),
    )
    event_services.publish_event(db.session, wash, clock.now())
    link_events(coats, wash)
    for name, category, cost in (
        ("Complimentary valet", Category.TRANSACTIONAL, 150),
        ("Give your points to a charity drive", Category.ALTRUISTIC, 200),
    ):
        db.session.add(
            Reward(
                name=name,
                category=category,
                points_cost=cost,
                description="We turn your points into a gift to the drive you choose."
                if category == Category.ALTRUISTIC
                else "A thank-you from the whole team.",
            )
        )
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    award_points(
        db.session,
        user_id=owner.id,
        points=400,
        idempotency_key="browser:welcome",
        reason="Came to the spring clinic",
        now=clock.now(),
    )
    coats_id = coats.id
    db.session.commit()
    return coats_id


def test_owner_gives_points_to_a_drive_and_sees_the_total_include_them(
    browser_page, live_server, make_drive, make_owner, pledge, link_events, axe_check, shots
):
    drive_id = _seed(make_drive, make_owner, pledge, link_events)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server}/login?next=/rewards")
    page.fill("#email", "sam@example.com")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/rewards")

    card = page.locator("article.reward-card", has_text="Give your points to a charity drive")
    page.evaluate("window.redeemedWithoutReload = true")
    card.get_by_role("link", name="Redeem for 200").click()
    select = card.get_by_label("Which charity drive?")
    select.wait_for()  # the confirm step swaps in with htmx
    assert select.locator("option").all_inner_texts() == [
        "Choose a drive",
        "Coats for Kids: gives $2",
        "Spring food bank: gives $2",
    ]
    assert "Your balance after" in card.inner_text()
    axe_check(page)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "redeem-form-desktop.png"), full_page=True)

    select.select_option(label="Coats for Kids: gives $2")
    card.get_by_role("button", name="Confirm: spend 200 points").click()
    card = page.locator("article.reward-card", has_text="Give your points to a charity drive")
    card.locator(".reward-message.ok").wait_for()
    assert "your 200 points are now part of Coats for Kids" in card.inner_text()
    assert page.evaluate("window.redeemedWithoutReload === true")
    assert page.locator("#points-balance strong").inner_text() == "200"
    axe_check(page)
    page.screenshot(path=str(shots / "redeem-done-desktop.png"), full_page=True)

    page.get_by_role("link", name="Give your points to a charity drive").click()
    page.get_by_role("link", name="Coats for Kids").click()
    page.wait_for_url(f"**/drives/{drive_id}")
    total = page.locator("#drive-progress .drive-progress-total")
    assert total.inner_text() == "$102"  # Grace's $100 and Sam's 200 points at 100 a dollar
    assert "$2 from 200 reward points" in page.locator("#pledge-box").inner_text()
    assert page.get_by_role("link", name="Charity car wash").is_visible()
    axe_check(page)
    page.screenshot(path=str(shots / "drive-with-points-desktop.png"), full_page=True)

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server}/rewards")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(shots / "redeem-form-320.png"), full_page=True)
