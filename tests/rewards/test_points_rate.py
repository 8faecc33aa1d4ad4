"""The points-to-money rate is written from the admin's setting, the same on every page."""

import pytest
from sqlalchemy import select

from portal.charity.rules import points_rate_words
from portal.dealership.services import write_settings
from portal.extensions import db
from portal.rewards.models import Category, Reward


@pytest.mark.parametrize(
    ("rate", "words"), [(100, "100 points = $1"), (1, "1 point = $1"), (2500, "2,500 points = $1")]
)
def test_the_rate_in_words(rate, words):
    assert points_rate_words(rate) == words


@pytest.mark.parametrize("rate", [100, 50])
def test_rewards_page_form_and_admin_agree_with_the_rate(
    client, login, admin_user, make_owner, make_drive, make_reward, give_points, rate
):
    write_settings(db.session, {"charity.points_per_dollar": rate})
    db.session.commit()
    drive = make_drive(name="Coats for Kids")
    make_reward(name="Give your points", category=Category.ALTRUISTIC, points_cost=100)
    login(admin_user)
    admin_page = client.get("/admin/charity").get_data(as_text=True)
    assert f"now {rate} points = $1" in admin_page
    client.post("/logout")

    owner = make_owner()
    give_points(owner, 300)
    login(owner)
    page = client.get("/rewards").get_data(as_text=True)
    assert f"For a money drive, {rate} points = $1;" in page
    assert "$10" not in page
    reward_id = db.session.scalar(select(Reward.id))
    confirm = client.get(f"/rewards/{reward_id}/redeem").get_data(as_text=True)
    dollars = f"${100 // rate}"  # what the form offers for the 100-point reward
    assert f'<option value="{drive.id}">Coats for Kids: gives {dollars}</option>' in confirm
    assert f"For a money drive, {rate} points = $1;" in confirm
    assert "$10" not in confirm
