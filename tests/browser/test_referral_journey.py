"""A friend follows an invite link, buys a car, and the owner who invited them is thanked."""

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.referrals import services
from portal.referrals.models import Referral
from portal.rewards.models import Category, Reward
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Where screenshots go, to look at the pages (set PORTAL_SCREENSHOTS to keep them).
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_invite_to_purchase_to_thank_you(
    app, live_server, browser_page, axe_check, make_owner, make_user
):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    owner = make_owner(name="Priya Patel", email="priya@example.com")
    make_user(role=Role.COORDINATOR, email="jordan@dealer.example")
    for name, category, cost, stock in (
        ("Complimentary valet", Category.TRANSACTIONAL, 150, None),
        ("VIP seat at launch night", Category.EXPERIENTIAL, 400, 10),
        ("Premium detailing", Category.EXPERIENTIAL, 600, 4),
        ("Weekend car swap", Category.EXPERIENTIAL, 900, 3),
        ("Ambassadors' dinner", Category.RECOGNITION, 500, 12),
        ("Give to a charity drive", Category.ALTRUISTIC, 100, None),
    ):
        db.session.add(
            Reward(
                name=name,
                category=category,
                points_cost=cost,
                stock=stock,
                min_tier=2 if name == "Weekend car swap" else 0,
                description="A thank-you from the whole team.",
            )
        )
    code = services.invite_code_for(db.session, owner, app.config["SECRET_KEY"])
    # Commit, and touch no ORM object afterwards: on SQLite a transaction opened by this
    # test (even a lazy load) holds the write lock and the live server would wait on it.
    db.session.commit()

    # The owner's invite page.
    _sign_in(page, live_server, "priya@example.com")
    page.goto(f"{live_server}/invite")
    assert page.get_by_role("img", name="QR code for your invite link").is_visible()
    axe_check(page)
    _shot(page, "invite")
    _sign_out(page)

    # The friend opens the link and sends their details, no account needed.
    page.goto(f"{live_server}/i/{code}")
    assert page.get_by_role("heading", name="Priya thought you'd like to meet us").is_visible()
    axe_check(page)
    _shot(page, "landing")
    page.get_by_label("Your name").fill("Jamie Fraser")
    page.get_by_role("textbox", name="Email").fill("jamie@example.net")
    page.get_by_label("Phone call").check()
    page.get_by_label("Phone (optional)").fill("+1 202 555 0147")
    page.get_by_label("Which car are you curious about? (optional)").fill("Electric SUV")
    page.get_by_label("I'm happy for the team to contact me").check()
    page.get_by_role("button", name="Send my details").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thank you, Jamie.").is_visible()
    axe_check(page)

    # The coordinator records the purchase.
    _sign_in(page, live_server, "jordan@dealer.example")
    page.goto(f"{live_server}/admin/referrals")
    axe_check(page)
    page.get_by_role("link", name="Jamie Fraser").click()
    page.get_by_label("VIN of the car sold").fill("1HGCM82633A004352")
    page.get_by_label("Make").fill("Honda")
    page.get_by_label("Model", exact=True).fill("Accord")
    page.get_by_label("Model year").fill("2025")
    axe_check(page)
    page.get_by_role("button", name="Record the purchase").click()
    page.wait_for_load_state()
    assert page.get_by_text("Purchase recorded").is_visible()
    _sign_out(page)
    assert db.session.scalar(select(Referral.stage)) == "purchased"
    db.session.rollback()

    # The owner sees points, tier and the thank-you.
    _sign_in(page, live_server, "priya@example.com")
    page.goto(f"{live_server}/rewards")
    assert page.locator("#points-balance").inner_text().startswith("500")
    assert page.get_by_text("Advocate").first.is_visible()
    axe_check(page)
    _shot(page, "rewards")
    page.get_by_role("link", name="Redeem for 150").click()
    page.get_by_role("button", name="Confirm: spend 150 points").click()
    page.get_by_text("Complimentary valet is yours.").wait_for()
    assert page.locator("#points-balance").inner_text().startswith("350")
    assert page.locator("#points-history").get_by_text("Redeemed: Complimentary valet").is_visible()
    _shot(page, "rewards-after-redeem")
    page.goto(f"{live_server}/inbox")
    page.get_by_role("link", name="Thank you for introducing Jamie").click()
    assert page.get_by_text("Dear Priya,").is_visible()
    axe_check(page)
    _shot(page, "thank-you")
