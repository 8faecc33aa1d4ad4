"""In Chromium on a phone: redeeming asks once, shows the balance after, then spends in place."""

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.events.models import Event
from portal.extensions import db
from portal.points.queries import points_balance
from portal.rewards.models import Redemption
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: PORTAL_SCREENSHOT_DIR to keep them, else the test's tmp dir."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_redeeming_on_a_phone_asks_once_with_the_balance_after(
    browser_page, live_server, make_owner, make_reward, give_points, axe_check, shots
):
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    give_points(owner, 1_250)
    make_reward(name="Complimentary valet", points_cost=400, stock=3)
    make_reward(name="Launch night for two", points_cost=2_000)
    owner_id = owner.id
    db.session.commit()
    page = browser_page
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/login?next=/rewards")
    page.fill("#email", "sam@example.com")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/rewards")
    page.evaluate("window.stayedOnThePage = true")

    card = page.locator("article.reward-card", has_text="Complimentary valet")
    card.get_by_role("link", name="Redeem for 400").click()
    confirm = card.get_by_role("button", name="Confirm: spend 400 points")
    confirm.wait_for()
    assert "Your balance now\n1,250 points" in card.inner_text()
    assert "Your balance after\n850 points" in card.inner_text()
    assert page.evaluate("document.activeElement.id").startswith("confirm-")
    db.session.expire_all()
    assert points_balance(db.session, owner_id) == 1_250
    db.session.rollback()  # the test's read must not hold SQLite's write lock
    _fits(page)
    axe_check(page)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "redeem-confirm-375.png"))

    # "Not now" puts the card back as it was; nothing was spent.
    card.get_by_role("link", name="Not now").click()
    card.get_by_role("link", name="Redeem for 400").wait_for()
    assert page.locator("#points-balance strong").inner_text() == "1,250"

    card.get_by_role("link", name="Redeem for 400").click()
    confirm.click()
    card.locator(".reward-message.ok").wait_for()
    assert "Complimentary valet is yours." in card.inner_text()
    assert page.locator("#points-balance strong").inner_text() == "850"
    assert "2 left" in card.inner_text()
    assert page.evaluate("window.stayedOnThePage === true")
    _fits(page)
    axe_check(page)
    page.screenshot(path=str(shots / "redeem-done-375.png"), full_page=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1
    assert points_balance(db.session, owner_id) == 850


def test_without_javascript_the_confirm_step_is_a_page_of_its_own(
    browser_page, live_server, make_owner, make_reward, give_points, axe_check, shots
):
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    give_points(owner, 1_250)
    make_reward(name="Complimentary valet", points_cost=400)
    owner_id = owner.id
    db.session.commit()
    page = browser_page
    page.context.close()
    context = page.context.browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()

    page.goto(f"{live_server}/login?next=/rewards")
    page.fill("#email", "sam@example.com")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/rewards")
    page.get_by_role("link", name="Redeem for 400").click()
    page.wait_for_url("**/rewards/*/redeem")
    assert page.get_by_role("heading", name="Redeem Complimentary valet?").is_visible()
    _fits(page)
    page.screenshot(path=str(shots / "redeem-confirm-page-375.png"), full_page=True)
    page.get_by_role("button", name="Confirm: spend 400 points").click()
    page.wait_for_url("**/rewards")
    assert page.get_by_text("Complimentary valet is yours.").first.is_visible()
    db.session.expire_all()
    assert points_balance(db.session, owner_id) == 850
    context.close()


def test_redeeming_a_seat_on_a_phone_confirms_then_shows_the_vip_seat_and_ticket(
    browser_page, live_server, make_owner, make_event, make_reward, give_points, axe_check, shots
):
    owner = make_owner(name="Sam Okafor", email="sam@example.com")
    give_points(owner, 1_000)
    event = make_event("Spring launch night", capacity=10)
    make_reward(name="VIP seat at the launch", points_cost=600, stock=4, event_id=event.id)
    owner_id, event_id = owner.id, event.id
    db.session.commit()
    page = browser_page
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/login?next=/rewards")
    page.fill("#email", "sam@example.com")
    page.fill("#password", TEST_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/rewards")

    card = page.locator("article.reward-card", has_text="VIP seat at the launch")
    assert "A seat at Spring launch night" in card.inner_text()
    card.get_by_role("link", name="Redeem for 600").click()
    confirm = card.get_by_role("button", name="Confirm: spend 600 points")
    confirm.wait_for()
    text = card.inner_text()
    assert "Your seat\nSpring launch night" in text
    assert "Your balance after\n400 points" in text
    _fits(page)
    axe_check(page)
    page.screenshot(path=str(shots / "redeem-seat-confirm-375.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(Event, event_id).seats_taken == 0  # asking holds nothing
    db.session.rollback()

    confirm.click()
    card.locator(".reward-message.ok").wait_for()
    assert "Your VIP seat at Spring launch night is reserved" in card.inner_text()
    assert page.locator("#points-balance strong").inner_text() == "400"
    _fits(page)
    card.get_by_role("link", name="See your seat and ticket").click()
    page.wait_for_url(f"**/events/{event_id}")
    box = page.locator("#rsvp-box")
    assert "Your VIP seat is reserved" in box.inner_text()
    assert box.get_by_role("link", name="Cancel my RSVP…").count() == 0
    _fits(page)
    axe_check(page)
    page.screenshot(path=str(shots / "redeem-seat-event-375.png"), full_page=True)
    box.get_by_role("link", name="Your ticket").click()
    page.wait_for_url("**/ticket")
    assert page.get_by_role("img", name="QR code for your ticket").is_visible()
    assert "VIP seat, from a reward you redeemed" in page.inner_text("main")
    _fits(page)
    axe_check(page)
    page.screenshot(path=str(shots / "redeem-seat-ticket-375.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(Event, event_id).seats_taken == 1
    assert points_balance(db.session, owner_id) == 400
