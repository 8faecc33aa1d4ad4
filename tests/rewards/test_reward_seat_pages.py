"""Seat rewards on the pages: the catalogue and the confirm step name the event and its date,
the event page shows the VIP seat with its ticket, staff tie a reward to an event and decline."""

import re

from sqlalchemy import select

from portal.accounts.models import Role
from portal.events.models import Event, RsvpStatus
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.queries import points_balance
from portal.rewards.models import Redemption, Reward
from tests.rewards.seats import rsvp_of, seats_taken

HTMX = {"HX-Request": "true"}


def _seat_reward(make_reward, event, **overrides):
    values = {"name": "VIP seat at the launch", "points_cost": 400, "stock": 5}
    return make_reward(event_id=event.id, **(values | overrides))


def test_the_catalogue_and_the_confirm_step_say_which_event_and_when(
    client, login, make_owner, make_event, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_000)
    event = make_event("Launch night")
    reward = _seat_reward(make_reward, event)
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    assert f'A seat at <a href="/events/{event.id}">Launch night</a>, <time datetime=' in html
    confirm = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert f'<dt>Your seat</dt><dd><a href="/events/{event.id}">Launch night</a>, <time' in confirm
    assert "Your seat is held the moment you confirm" in confirm
    assert "Confirm: spend 400 points" in confirm
    assert seats_taken(event.id) == 0


def test_a_full_event_shows_why_on_the_card_and_refuses_a_post(
    client, login, make_owner, make_event, make_reward, give_points, rsvp_as
):
    event = make_event("Launch night", capacity=1)
    rsvp_as(make_owner(), event)
    owner = make_owner()
    give_points(owner, 1_000)
    reward = _seat_reward(make_reward, event)
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    assert "The event is full just now" in html
    assert f'href="/rewards/{reward.id}/redeem"' not in html
    response = client.post(f"/rewards/{reward.id}/redeem", headers=HTMX)
    assert response.status_code == 422
    assert "Launch night is full" in response.get_data(as_text=True)
    assert points_balance(db.session, owner.id) == 1_000
    assert db.session.get(Reward, reward.id).stock == 5


def test_an_owner_with_a_seat_is_told_it_becomes_the_vip_seat(
    client, login, make_owner, make_event, make_reward, give_points, rsvp_as
):
    owner = make_owner()
    give_points(owner, 1_000)
    event = make_event("Launch night")
    rsvp_as(owner, event)
    reward = _seat_reward(make_reward, event)
    login(owner)
    confirm = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert "You already have a seat there: it becomes your VIP seat" in confirm


def test_redeeming_shows_the_vip_seat_and_ticket_on_the_event_page(
    client, login, make_owner, make_event, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_000)
    event = make_event("Launch night")
    reward = _seat_reward(make_reward, event)
    login(owner)
    token = "t" * 32
    response = client.post(f"/rewards/{reward.id}/redeem", data={"token": token}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert "Your VIP seat at Launch night is reserved" in html
    assert "Seat reserved" in html  # the owner's redemptions list
    # A receipt says when, with its zone, and where the ticket is; a second submit adds none.
    client.post(f"/rewards/{reward.id}/redeem", data={"token": token}, headers=HTMX)
    [receipt] = db.session.scalars(
        select(Notification).where(Notification.user_id == owner.id, Notification.kind == "reward")
    ).all()
    assert receipt.subject == "Your VIP seat at Launch night"
    assert re.search(r"It's on \w+day .* (EST|EDT), at ", receipt.body)
    rsvp = rsvp_of(event.id, owner.id)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Your VIP seat is reserved" in page
    assert f'href="/rsvps/{rsvp.id}/ticket"' in page or f"/rsvps/{rsvp.id}/ticket" in page
    assert "Cancel my RSVP" not in page
    assert "let the team know" in page.lower()
    # The cancel step itself does not offer to give the seat up...
    ask = client.get(f"/rsvps/{rsvp.id}/cancel", headers=HTMX).get_data(as_text=True)
    assert "Yes, cancel my RSVP" not in ask
    # ...and a plain post is refused, with the seat kept.
    refused = client.post(f"/rsvps/{rsvp.id}/cancel", headers=HTMX)
    assert refused.status_code == 422
    assert "let the team know" in refused.get_data(as_text=True)
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.CONFIRMED
    redemption = db.session.scalar(select(Redemption))
    detail = client.get(f"/rewards/redemptions/{redemption.id}").get_data(as_text=True)
    assert "Launch night" in detail and "Your ticket" in detail


def test_a_coordinator_ties_a_reward_to_an_upcoming_event(
    client, login, make_user, make_event, make_reward
):
    event = make_event("Launch night")
    make_event("Called off", status="cancelled")
    login(make_user(role=Role.COORDINATOR))
    form = client.get("/admin/rewards/new").get_data(as_text=True)
    assert re.search(rf'<option value="{event.id}">Launch night, \w{{3}} \d', form)
    data = {
        "name": "VIP seat",
        "description": "Front row.",
        "category": "experiential",
        "points_cost": "400",
        "min_tier": "0",
        "stock": "10",
        "event_id": str(event.id),
        "is_active": "y",
    }
    assert client.post("/admin/rewards/new", data=data).status_code == 303
    reward = db.session.scalar(select(Reward).where(Reward.name == "VIP seat"))
    assert reward.event_id == event.id
    refused = client.post("/admin/rewards/new", data=data | {"category": "transactional"})
    assert refused.status_code == 422
    assert "Only an experience can come with a seat" in refused.get_data(as_text=True)
    edit = client.get(f"/admin/rewards/{reward.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{event.id}">' in edit or (
        f'<option value="{event.id}" selected>' in edit
    )


def test_a_coordinator_declines_and_the_seat_goes_to_the_waitlist(
    client, login, make_owner, make_user, make_event, make_reward, give_points, rsvp_as
):
    event = make_event("Launch night", capacity=1)
    owner = make_owner()
    give_points(owner, 400)
    reward = _seat_reward(make_reward, event)
    login(owner)
    client.post(f"/rewards/{reward.id}/redeem")
    waiting = make_owner()
    rsvp_as(waiting, db.session.get(Event, event.id))
    redemption = db.session.scalar(select(Redemption))
    client.post("/logout")
    login(make_user(role=Role.COORDINATOR))
    page = client.get(f"/admin/rewards/redemptions/{redemption.id}").get_data(as_text=True)
    assert "Their seat at Launch night is freed for the waitlist" in page
    response = client.post(
        f"/admin/rewards/redemptions/{redemption.id}/decline", data={"note": "Fully booked."}
    )
    assert response.status_code == 303
    assert rsvp_of(event.id, owner.id).status == RsvpStatus.CANCELLED
    assert rsvp_of(event.id, waiting.id).status == RsvpStatus.CONFIRMED
    assert seats_taken(event.id) == 1
    assert points_balance(db.session, owner.id) == 400
