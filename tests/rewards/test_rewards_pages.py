"""The owner's rewards page, redeeming in place, fulfilment, the catalogue and the wall."""

from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.queries import points_balance
from portal.rewards.models import Category, Redemption


def test_rewards_page_shows_balance_tier_and_catalogue(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner(tier_level=1)
    give_points(owner, 320)
    make_reward(name="Weekend car swap", points_cost=900, min_tier=2)
    make_reward(name="Valet", points_cost=150)
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    assert "<strong>320</strong>" in html
    assert "Advocate" in html and "more to Ambassador" in html
    assert "Opens at Ambassador." in html
    assert "Redeem for 150" in html


def test_redeem_with_htmx_swaps_the_catalogue_and_balance_in_place(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 320)
    reward = make_reward(name="Valet", points_cost=150, stock=2)
    login(owner)
    response = client.post(f"/rewards/{reward.id}/redeem", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="catalogue"')
    assert "Valet is yours." in html
    assert 'id="points-balance" class="balance" hx-swap-oob="true"><strong>170</strong>' in html
    assert 'id="my-redemptions" hx-swap-oob="true"' in html
    assert "<!doctype" not in html


def test_a_refused_htmx_redeem_answers_422_with_the_reason_on_the_card(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 100)
    reward = make_reward(category=Category.ALTRUISTIC, points_cost=100)
    login(owner)
    response = client.post(f"/rewards/{reward.id}/redeem", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Choose the charity drive your points should go to." in response.get_data(as_text=True)


def test_redeem_without_javascript_posts_and_redirects(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 200)
    reward = make_reward(name="Valet", points_cost=150)
    login(owner)
    response = client.post(f"/rewards/{reward.id}/redeem")
    assert response.status_code == 303 and response.headers["Location"] == "/rewards"
    assert "Valet is yours." in client.get("/rewards").get_data(as_text=True)


def test_another_owners_redemption_is_not_found(
    client, login, make_owner, make_reward, give_points
):
    owner, other = make_owner(), make_owner()
    give_points(other, 200)
    reward = make_reward(points_cost=150)
    login(other)
    client.post(f"/rewards/{reward.id}/redeem")
    redemption_id = db.session.scalar(select(Redemption.id))
    assert client.get(f"/rewards/redemptions/{redemption_id}").status_code == 200
    client.post("/logout")
    login(owner)
    assert client.get(f"/rewards/redemptions/{redemption_id}").status_code == 404


def _pending_redemption(client, login, make_owner, make_reward, give_points):
    owner = make_owner(name="Priya Patel")
    give_points(owner, 200)
    reward = make_reward(name="Valet", points_cost=150, stock=1)
    login(owner)
    client.post(f"/rewards/{reward.id}/redeem")
    client.post("/logout")
    return owner, reward, db.session.scalar(select(Redemption))


def test_a_coordinator_fulfils_a_redemption_and_the_owner_hears(
    client, login, make_owner, make_user, make_reward, give_points
):
    owner, _, redemption = _pending_redemption(client, login, make_owner, make_reward, give_points)
    login(make_user(role=Role.COORDINATOR))
    assert "Valet" in client.get("/admin/rewards/redemptions").get_data(as_text=True)
    response = client.post(
        f"/admin/rewards/redemptions/{redemption.id}/fulfil",
        data={"fulfilled_on": "2026-04-02", "note": "Booked for Tuesday at 10."},
    )
    assert response.status_code == 303
    db.session.refresh(redemption)
    assert (redemption.status, str(redemption.fulfilled_on)) == ("fulfilled", "2026-04-02")
    message = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert message.subject == "Your Valet is ready" and "Tuesday at 10" in message.body
    again = client.post(
        f"/admin/rewards/redemptions/{redemption.id}/decline", data={"note": "oops"}
    )
    assert again.status_code == 422
    assert points_balance(db.session, owner.id) == 50


def test_declining_returns_the_points_and_the_stock(
    client, login, make_owner, make_user, make_reward, give_points
):
    owner, reward, redemption = _pending_redemption(
        client, login, make_owner, make_reward, give_points
    )
    assert points_balance(db.session, owner.id) == 50
    login(make_user(role=Role.COORDINATOR))
    response = client.post(
        f"/admin/rewards/redemptions/{redemption.id}/decline", data={"note": "Fully booked."}
    )
    assert response.status_code == 303
    db.session.refresh(reward)
    assert reward.stock == 1
    assert points_balance(db.session, owner.id) == 200


def test_a_coordinator_adds_a_reward_with_a_window(client, login, make_user):
    login(make_user(role=Role.COORDINATOR))
    response = client.post(
        "/admin/rewards/new",
        data={
            "name": "VIP launch seat",
            "description": "Front row.",
            "category": "experiential",
            "points_cost": "400",
            "min_tier": "1",
            "stock": "10",
            "available_from": "2026-05-01",
            "available_until": "2026-05-31",
            "is_active": "y",
        },
    )
    assert response.status_code == 303
    assert "VIP launch seat" in client.get("/admin/rewards").get_data(as_text=True)


def test_owners_cannot_open_the_rewards_admin(client, login, make_owner):
    login(make_owner())
    for path in ("/admin/rewards", "/admin/rewards/new", "/admin/rewards/redemptions"):
        assert client.get(path).status_code == 403


def test_the_wall_thanks_only_owners_who_opted_in(client, make_owner):
    make_owner(name="Priya Patel", consent_recognition=True, tier_level=2)
    make_owner(name="Marcus Reyes", consent_recognition=False, tier_level=3)
    make_owner(name="Elena Novak", consent_recognition=True, tier_level=0)
    html = client.get("/ambassadors").get_data(as_text=True)
    assert "Priya P." in html and "Patel" not in html and "Ambassador" in html
    assert "Marcus" not in html and "Elena" not in html


def test_home_shows_points_and_tier(client, login, make_owner, give_points):
    owner = make_owner(tier_level=2)
    give_points(owner, 1500)
    login(owner)
    html = client.get("/").get_data(as_text=True)
    assert "1,500" in html and "Ambassador" in html
