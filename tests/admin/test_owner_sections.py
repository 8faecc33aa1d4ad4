"""An owner's admin page: their events, referrals, tier, points and redemptions."""

from datetime import timedelta

from portal import clock
from portal.events.models import Rsvp, RsvpStatus
from portal.extensions import db
from portal.pages import ADMIN_OWNER
from portal.referrals.models import Stage
from portal.rewards import services as rewards_services


def test_sections_come_in_order_events_referrals_points_feedback(app):
    assert [section.template for section in ADMIN_OWNER] == [
        "admin/events/_owner_section.html",
        "admin/referrals/_owner_section.html",
        "admin/rewards/_owner_section.html",
        "admin/feedback/_owner_section.html",
    ]


def test_owner_page_shows_rsvps_upcoming_and_past_with_their_status(
    client, as_coordinator, make_owner, make_event, rsvp_as
):
    owner = make_owner(name="Elena Novak")
    rsvp_as(owner, make_event(title="Winter care clinic"))
    full = make_event(title="Launch night", capacity=1)
    rsvp_as(make_owner(), full)
    rsvp_as(owner, full)  # waitlisted, first in the queue
    with clock.frozen(clock.now() - timedelta(days=20)):
        came = rsvp_as(
            owner, make_event(title="Autumn meet", starts_at=clock.now() + timedelta(days=1))
        )
        rsvp_as(owner, make_event(title="Summer BBQ", starts_at=clock.now() + timedelta(days=2)))
    db.session.get(Rsvp, came.id).status = RsvpStatus.ATTENDED
    db.session.commit()
    html = client.get(f"/admin/owners/{owner.id}").get_data(as_text=True)
    upcoming, past = html.split("owner-events-title", 1)[1].split("<h3>Past", 1)
    assert "Winter care clinic" in upcoming and "Going" in upcoming
    assert "Launch night" in upcoming and "Waitlist #1" in upcoming
    assert "Autumn meet" in past and "Came" in past
    assert "Summer BBQ" in past and "Not checked in" in past


def test_owner_page_shows_friends_by_stage_and_the_ambassador_flag(
    client, as_coordinator, make_owner, make_referral
):
    ambassador = make_owner(name="Priya Patel", tier_level=2)
    make_referral(ambassador, name="Jamie Fraser", stage=Stage.TEST_DRIVE)
    make_referral(ambassador, name="Robin Achebe")
    html = client.get(f"/admin/owners/{ambassador.id}").get_data(as_text=True)
    section = html.split("owner-referrals-title", 1)[1]
    assert "Jamie Fraser" in section and "Test drive" in section
    assert "Robin Achebe" in section and "Invited" in section
    assert "Ambassador" in section and "Priority service" in section
    member = make_owner(name="Member Mo")
    html = client.get(f"/admin/owners/{member.id}").get_data(as_text=True)
    assert "No friends referred yet." in html and "Priority service" not in html


def test_owner_page_shows_the_balance_latest_ten_lines_and_redemptions(
    client, as_coordinator, make_owner, give_points, make_reward
):
    owner = make_owner()
    for _ in range(12):
        give_points(owner, 50)
    reward = make_reward(name="Premium detailing", points_cost=100)
    rewards_services.redeem(db.session, user=owner, reward_id=reward.id, now=clock.now())
    db.session.commit()
    html = client.get(f"/admin/owners/{owner.id}").get_data(as_text=True)
    section = html.split("owner-points-title", 1)[1]
    assert "<strong>500</strong> points to spend" in section
    assert section.count("<li>") >= 10
    ledger = section.split('class="ledger"', 1)[1].split("</ul>", 1)[0]
    assert ledger.count("<li>") == 10
    assert "Redeemed: Premium detailing" in ledger
    assert "Premium detailing</a>" in section and "Pending" in section


def test_an_owner_with_nothing_yet_gets_friendly_empty_sections(client, as_coordinator, make_owner):
    owner = make_owner(name="Nora Novak")
    html = client.get(f"/admin/owners/{owner.id}").get_data(as_text=True)
    assert "Nora hasn't RSVPed to an event yet." in html
    assert "No points yet." in html and "Nothing redeemed yet." in html
