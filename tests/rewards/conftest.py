"""Fixtures for rewards: catalogue entries and points to spend."""

import pytest

from portal import clock
from portal.extensions import db
from portal.points.services import award_points
from portal.rewards.models import Category, Reward
from tests.charity.conftest import make_drive, pledge  # noqa: F401 - charity's factories


@pytest.fixture
def make_reward():
    """`make_reward(points_cost=..., stock=..., ...)`: a catalogue entry."""

    def factory(**overrides) -> Reward:
        values = {
            "name": "Premium detailing",
            "description": "A full polish.",
            "category": Category.EXPERIENTIAL,
            "points_cost": 100,
            "min_tier": 0,
            "stock": None,
        }
        values.update(overrides)
        reward = Reward(**values)
        db.session.add(reward)
        db.session.commit()
        return reward

    return factory


@pytest.fixture
def give_points():
    """`give_points(owner, 300)`: credit the owner's ledger."""
    counter = iter(range(1, 1_000_000))

    def give(owner, points: int) -> None:
        award_points(
            db.session,
            user_id=owner.id,
            points=points,
            idempotency_key=f"test:gift:{next(counter)}:{owner.id}",
            reason="Came to a clinic",
            now=clock.now(),
        )
        db.session.commit()

    return give
