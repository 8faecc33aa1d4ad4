"""Redeeming asks once: the confirm step shows the balance after, and only its POST spends."""

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.points.queries import points_balance
from portal.rewards.models import Category, Redemption, Reward

HTMX = {"HX-Request": "true"}


def _redemptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Redemption))


def _token(html: str) -> str:
    return re.search(r'<input type="hidden" name="token" value="([\w-]{32})">', html).group(1)


def test_the_catalogue_offers_the_confirm_step_and_posts_nothing(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_250)
    reward = make_reward(name="Complimentary valet", points_cost=400)
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    assert f'href="/rewards/{reward.id}/redeem"' in html
    assert f'hx-get="/rewards/{reward.id}/redeem"' in html
    assert 'method="post"' not in html.split('id="catalogue"', 1)[1].split("</div>", 1)[0]


def test_the_confirm_page_states_the_balance_after_and_moves_no_points(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_250)
    reward = make_reward(name="Complimentary valet", points_cost=400, stock=3)
    login(owner)
    response = client.get(f"/rewards/{reward.id}/redeem")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<!doctype html>" in html.lower()
    assert "Redeem Complimentary valet?" in html
    assert "<dt>It costs</dt><dd>400 points</dd>" in html
    assert "<dt>Your balance now</dt><dd>1,250 points</dd>" in html
    assert "<dt>Your balance after</dt><dd><strong>850 points</strong></dd>" in html
    assert "Confirm: spend 400 points" in html
    assert f'action="/rewards/{reward.id}/redeem"' in html
    # The page has no catalogue to swap: its form is a plain post.
    assert "hx-post" not in html
    assert points_balance(db.session, owner.id) == 1_250
    assert _redemptions() == 0
    assert db.session.get(Reward, reward.id).stock == 3


def test_htmx_gets_the_confirm_step_in_place_of_the_card(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    reward = make_reward(name="Complimentary valet", points_cost=400)
    login(owner)
    response = client.get(f"/rewards/{reward.id}/redeem", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<article id="reward-{reward.id}"')
    assert "<!doctype" not in html.lower()
    assert f'hx-post="/rewards/{reward.id}/redeem" hx-target="#catalogue"' in html
    assert "<dd><strong>100 points</strong></dd>" in html
    # "Not now" puts the card back from the catalogue page, or links there without JS.
    assert f'hx-select="#reward-{reward.id}"' in html
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
    assert _redemptions() == 0


def test_confirming_redeems_and_a_second_confirm_of_the_same_form_redeems_once(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_250)
    reward = make_reward(name="Complimentary valet", points_cost=400, stock=3)
    login(owner)
    token = _token(client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True))
    first = client.post(f"/rewards/{reward.id}/redeem", data={"token": token})
    second = client.post(f"/rewards/{reward.id}/redeem", data={"token": token}, headers=HTMX)
    assert first.status_code == 303 and first.headers["Location"] == "/rewards"
    assert second.status_code == 200 and "Complimentary valet is yours." in second.text
    assert _redemptions() == 1
    assert points_balance(db.session, owner.id) == 850
    assert db.session.get(Reward, reward.id).stock == 2


def test_each_visit_to_the_confirm_step_gets_its_own_token(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_000)
    reward = make_reward(points_cost=400)
    login(owner)
    tokens = {_token(client.get(f"/rewards/{reward.id}/redeem").text) for _ in range(2)}
    assert len(tokens) == 2
    for token in tokens:
        client.post(f"/rewards/{reward.id}/redeem", data={"token": token})
    assert _redemptions() == 2
    assert points_balance(db.session, owner.id) == 200


def test_the_confirm_step_says_why_when_the_owner_cannot_redeem(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 300)
    reward = make_reward(name="Track day", points_cost=400)
    login(owner)
    html = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert "100 more points to go." in html
    assert "<dt>Your balance now</dt><dd>300 points</dd>" in html
    assert "Your balance after" not in html and "Confirm:" not in html


def test_a_retired_or_unknown_reward_has_no_confirm_step(
    client, login, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 1_000)
    retired = make_reward(points_cost=100, is_active=False)
    login(owner)
    assert client.get(f"/rewards/{retired.id}/redeem").status_code == 404
    assert client.get("/rewards/999999/redeem").status_code == 404


def test_visitors_are_asked_to_sign_in_first(client, make_reward):
    reward = make_reward(points_cost=100)
    response = client.get(f"/rewards/{reward.id}/redeem")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_altruistic_reward_asks_for_the_drive_on_the_confirm_step(
    client, login, make_owner, make_reward, make_drive, give_points
):
    drive = make_drive(name="Coats for Kids")
    owner = make_owner()
    give_points(owner, 300)
    reward = make_reward(name="Give it forward", category=Category.ALTRUISTIC, points_cost=250)
    login(owner)
    html = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert f'<option value="{drive.id}">Coats for Kids: gives $2.50</option>' in html
    assert "<dd><strong>50 points</strong></dd>" in html
    assert points_balance(db.session, owner.id) == 300


def test_the_confirm_step_reads_in_a_fixed_number_of_statements(
    client, login, make_owner, make_reward, give_points, count_queries
):
    owner = make_owner()
    give_points(owner, 1_000)
    reward = make_reward(points_cost=400)
    login(owner)
    client.get(f"/rewards/{reward.id}/redeem")
    with count_queries() as statements:
        client.get(f"/rewards/{reward.id}/redeem", headers=HTMX)
    baseline = len(statements)
    for number in range(5):
        give_points(owner, 10 + number)
    with count_queries() as statements:
        client.get(f"/rewards/{reward.id}/redeem", headers=HTMX)
    assert len(statements) == baseline
