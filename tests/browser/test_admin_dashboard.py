"""A coordinator opens the dashboard: charts with their tables, reminders load in, links work."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.accounts.models import Role
from portal.charity.models import Contribution, Drive, GoalKind
from portal.charity.tally import recount
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.referrals.models import Referral, Stage
from portal.reminders.models import ServiceVisitRequest
from portal.rewards.models import Redemption, Reward

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery"


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _sign_in(page, live_server, email: str) -> None:
    db.session.remove()  # hold no SQLite transaction while the server works
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _a_club(make_user) -> None:
    """Owners, events, referrals, drives and requests, as a dealership might have them."""
    now = clock.now()
    today = clock.local_today("America/New_York")
    owners = [
        make_user(name=name, email=f"{name.split()[0].lower()}@example.com")
        for name in (
            "Priya Patel",
            "Marcus Reyes",
            "Grace Whitfield",
            "Kenji Tanaka",
            "Amara Okafor",
            "Lena Fischer",
            "Tom Becker",
            "Sofia Rossi",
        )
    ]
    for number, owner in enumerate(owners[:5]):
        bought = today + timedelta(days=number + 1)
        db.session.add(
            Vehicle(
                owner_id=owner.id,
                vin=f"YV1XZ12V{number:09d}",
                make="Volvo",
                model="XC40",
                year=2022,
                purchase_date=bought.replace(year=bought.year - 2)
                if (bought.month, bought.day) != (2, 29)
                else date(bought.year - 2, 2, 28),
                warranty_end_date=today + timedelta(days=4) if number == 0 else None,
            )
        )
    for title, days, capacity, taken, waiting in [
        ("Winter tyre and battery clinic", 4, 24, 18, 0),
        ("EX30 launch evening", 9, 40, 40, 6),
        ("Sunday owners' breakfast meet", 16, 30, 9, 0),
    ]:
        starts = now + timedelta(days=days)
        event = Event(
            title=title,
            kind="clinic",
            location="Showroom",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            seats_taken=taken,
            status=EventStatus.PUBLISHED,
            published_at=now,
        )
        db.session.add(event)
        db.session.flush()
        for owner in owners[:waiting]:
            db.session.add(
                Rsvp(
                    event_id=event.id,
                    user_id=owner.id,
                    status=RsvpStatus.WAITLISTED,
                    waitlisted_at=now,
                )
            )
    stages = [Stage.INVITED] * 7 + [Stage.CONTACTED] * 5 + [Stage.TEST_DRIVE] * 4
    stages += [Stage.PURCHASED] * 3 + [Stage.LOST] * 2
    for number, stage in enumerate(stages):
        db.session.add(
            Referral(
                referrer_id=owners[number % len(owners)].id,
                name=f"Friend {number}",
                email=f"friend{number}@example.com",
                stage=stage,
                consent_contact=True,
                created_at=now - timedelta(days=number * 3),
            )
        )
    coats = Drive(
        name="Coats for Kids",
        beneficiary_name="Harbour Family Shelter",
        goal_kind=GoalKind.MONEY,
        goal_amount=5_000_00,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
        status="open",
    )
    toys = Drive(
        name="Holiday toy drive",
        beneficiary_name="Children's Hospital",
        goal_kind=GoalKind.ITEMS,
        unit_label="toys",
        goal_amount=300,
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=30),
        status="open",
    )
    db.session.add_all([coats, toys])
    db.session.flush()
    for number, owner in enumerate(owners):
        db.session.add(
            Contribution(
                drive_id=coats.id,
                user_id=owner.id,
                amount=(number + 2) * 50_00,
                received_at=now if number % 2 else None,
            )
        )
        db.session.add(Contribution(drive_id=toys.id, user_id=owner.id, amount=number + 3))
    db.session.flush()
    recount(db.session, [coats.id, toys.id])  # the rows above, in the drives' running totals
    reward = Reward(name="Interior detailing", category="service", points_cost=800)
    db.session.add(reward)
    db.session.flush()
    for owner in owners[:3]:
        db.session.add(Redemption(user_id=owner.id, reward_id=reward.id, points=800))
    vehicle = db.session.query(Vehicle).first()
    db.session.add(
        ServiceVisitRequest(
            user_id=vehicle.owner_id,
            vehicle_id=vehicle.id,
            topic="Service due",
            preferred_day=today + timedelta(days=2),
            time_window="morning",
        )
    )
    db.session.commit()


def test_coordinator_reads_the_dashboard_and_follows_a_link(
    live_server, browser_page, make_user, axe_check, tmp_path
):
    make_user(role=Role.COORDINATOR, name="Jordan Blake", email="jordan@dealership.example")
    _a_club(make_user)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server, "jordan@dealership.example")

    page.goto(f"{live_server}/admin/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jordan")
    for name in ("Upcoming events", "Referral funnel", "Reminders due this week", "Charity drives"):
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("img", name="Upcoming events")).to_be_visible()
    expect(page.get_by_role("img", name="Referral funnel")).to_be_visible()
    expect(page.get_by_role("img", name="Charity drives")).to_be_visible()
    # The reminders panel arrives after the page, with its own chart.
    expect(page.get_by_role("img", name="Reminders due this week")).to_be_visible()
    expect(page.locator("#reminders-panel")).to_contain_text("Ownership anniversary")

    page.locator("details.chart-data summary").first.click()
    expect(page.get_by_role("cell", name="18 of 24")).to_be_visible()
    axe_check(page)
    page.locator("details.chart-data summary").first.click()
    _screenshot(page, tmp_path, "dashboard-desktop")

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    expect(page.get_by_role("img", name="Reminders due this week")).to_be_visible()
    axe_check(page)
    _screenshot(page, tmp_path, "dashboard-320")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 320px"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Reward redemptions to fulfil").click()
    page.wait_for_url("**/admin/rewards/redemptions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Redemptions")
    expect(page.get_by_role("row")).to_have_count(4)
