"""Redeeming: stock and balance never go negative, even under concurrent redemptions."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from portal import clock
from portal.accounts.models import User
from portal.errors import ServiceError
from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.rewards import services
from portal.rewards.models import Category, Redemption, Reward
from tests.rendezvous import Rendezvous
from tests.rewards.concurrency import run_at_once, sqlite_without_begin_immediate


def _redeem_as(user_id: int, reward_id: int, drive_id: int | None = None):
    user = db.session.get(User, user_id)
    return services.redeem(
        db.session, user=user, reward_id=reward_id, now=clock.now(), drive_id=drive_id
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_redeeming_spends_points_takes_stock_and_waits_for_the_team(
    make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 250)
    reward = make_reward(points_cost=100, stock=3)
    redemption = _redeem_as(owner.id, reward.id)
    db.session.commit()
    assert redemption.status == "pending"
    assert points_balance(db.session, owner.id) == 150
    db.session.refresh(reward)
    assert reward.stock == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"points_cost": 500}, "You have 250 points; this reward needs 500."),
        ({"min_tier": 2}, "This reward opens at a higher tier."),
        ({"stock": 0}, "Sorry, the last one has just gone."),
        ({"is_active": False}, "This reward is no longer offered."),
        ({"category": Category.ALTRUISTIC}, "Choose the charity drive your points should go to."),
    ],
)
def test_a_redemption_that_breaks_a_rule_is_refused_and_changes_nothing(
    make_owner, make_reward, give_points, setup, message
):
    owner = make_owner()
    give_points(owner, 250)
    reward = make_reward(**setup)
    with pytest.raises(ServiceError) as refused:
        _redeem_as(owner.id, reward.id)
    assert refused.value.message == message
    db.session.rollback()
    assert _count(Redemption) == 0
    assert points_balance(db.session, owner.id) == 250


def test_twenty_concurrent_redemptions_take_exactly_the_five_in_stock(
    app, make_owner, make_reward, give_points
):
    owners = [make_owner() for _ in range(20)]
    for owner in owners:
        give_points(owner, 100)
    owner_ids = [owner.id for owner in owners]
    reward_id = make_reward(points_cost=100, stock=5).id
    results = run_at_once(app, 20, lambda i: _redeem_as(owner_ids[i], reward_id))
    assert sum(isinstance(result, Redemption) for result in results) == 5
    assert db.session.get(Reward, reward_id).stock == 0
    assert _count(Redemption) == 5
    balances = [points_balance(db.session, owner_id) for owner_id in owner_ids]
    assert sorted(balances) == [0] * 5 + [100] * 15


def test_twenty_concurrent_redemptions_never_overdraw_one_owner(
    app, make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 250)
    owner_id = owner.id
    reward_id = make_reward(points_cost=100, stock=None).id
    results = run_at_once(app, 20, lambda _: _redeem_as(owner_id, reward_id))
    assert sum(isinstance(result, Redemption) for result in results) == 2
    assert points_balance(db.session, owner_id) == 50


def test_redeeming_holds_the_owners_row_and_no_one_elses_until_it_commits(
    make_owner, make_reward, give_points
):
    """The owner lock, seen from a second connection (PostgreSQL: SQLite locks the file)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite's BEGIN IMMEDIATE serialises instead")
    owner, bystander = make_owner(), make_owner()
    give_points(owner, 500)
    reward_id = make_reward(points_cost=100).id
    _redeem_as(owner.id, reward_id)  # not committed: the lock is still held

    def take_row(user_id: int) -> int:
        # FOR NO KEY UPDATE: not blocked by the key-share locks the new rows' foreign keys
        # take on the owner, only by the owner lock (FOR UPDATE).
        with db.engine.connect() as probe:
            query = select(User.id).where(User.id == user_id)
            return probe.scalar(query.with_for_update(nowait=True, key_share=True))

    with pytest.raises(OperationalError, match="could not obtain lock"):
        take_row(owner.id)
    assert take_row(bystander.id) == bystander.id
    db.session.commit()
    assert take_row(owner.id) == owner.id


def _naive_take_one_from_stock(readers: Rendezvous):
    """Read, check, write back: buyers who read together all see the same stock."""

    def take_one_from_stock(session, reward_id):
        stock = session.scalar(select(Reward.stock).where(Reward.id == reward_id))
        if stock is not None and stock <= 0:
            return False
        readers.meet()
        if stock is not None:
            session.execute(update(Reward).where(Reward.id == reward_id).values(stock=stock - 1))
        return True

    return take_one_from_stock


def _balance_read_together(readers: Rendezvous):
    """The real sum, read by several redemptions before any of them spends."""

    def points_balance(session, user_id):
        balance = session.scalar(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.user_id == user_id
            )
        )
        readers.meet()
        return balance

    return points_balance


def test_control_without_the_conditional_update_stock_is_oversold(
    app, make_owner, make_reward, give_points, monkeypatch
):
    owners = [make_owner() for _ in range(20)]
    for owner in owners:
        give_points(owner, 100)
    owner_ids = [owner.id for owner in owners]
    reward_id = make_reward(points_cost=100, stock=5).id
    # Six buyers read the stock of five before anyone takes one.
    monkeypatch.setattr(services, "take_one_from_stock", _naive_take_one_from_stock(Rendezvous(6)))
    with sqlite_without_begin_immediate():
        results = run_at_once(app, 20, lambda i: _redeem_as(owner_ids[i], reward_id))
    assert sum(isinstance(result, Redemption) for result in results) > 5


def test_control_without_the_owner_lock_the_balance_goes_negative(
    app, make_owner, make_reward, give_points, monkeypatch
):
    owner = make_owner()
    give_points(owner, 250)
    owner_id = owner.id
    reward_id = make_reward(points_cost=100, stock=None).id
    monkeypatch.setattr(services, "lock_owner", lambda session, user_id: None)
    # Three redemptions of 100 read the balance of 250 before any spends.
    monkeypatch.setattr(services, "points_balance", _balance_read_together(Rendezvous(3)))
    with sqlite_without_begin_immediate():
        run_at_once(app, 20, lambda _: _redeem_as(owner_id, reward_id))
    assert points_balance(db.session, owner_id) < 0
