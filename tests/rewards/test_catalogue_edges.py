"""What the catalogue offers and what the redeem button says, exactly at the edges."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.errors import ServiceError
from portal.extensions import db
from portal.rewards.models import Category, Reward
from portal.rewards.owner_page import read_page
from portal.rewards.queries import owner_redemptions
from portal.rewards.rules import offer_days, offer_window, redeem_check

NOW = datetime(2026, 6, 1, 15, 30, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)


def _reward(**values) -> Reward:
    defaults = {
        "name": "Detailing",
        "category": Category.EXPERIENTIAL,
        "points_cost": 100,
        "min_tier": 0,
        "stock": None,
        "is_active": True,
    }
    return Reward(**(defaults | values))


def _check(reward, balance=1_000, tier_level=0, drive_open=True):
    return redeem_check(
        reward,
        balance=balance,
        tier_level=tier_level,
        tier_name="Ambassador",
        drive_open=drive_open,
    )


# --- The redeem button ----------------------------------------------------------------------


def test_a_balance_equal_to_the_cost_may_redeem():
    assert _check(_reward(points_cost=250), balance=250).allowed is True


def test_a_balance_one_short_says_how_many_points_to_go():
    check = _check(_reward(points_cost=1_250), balance=249)
    assert (check.allowed, check.reason) == (False, "1,001 more points to go.")


@pytest.mark.parametrize(("stock", "allowed"), [(0, False), (1, True), (None, True)])
def test_stock_at_zero_is_all_taken(stock, allowed):
    check = _check(_reward(stock=stock))
    assert check.allowed is allowed
    assert check.reason == (None if allowed else "All taken for now.")


def test_stock_is_checked_before_tier_and_balance():
    check = _check(_reward(stock=0, min_tier=3, points_cost=5_000), balance=0)
    assert check.reason == "All taken for now."


@pytest.mark.parametrize(("tier_level", "allowed"), [(1, False), (2, True), (3, True)])
def test_the_tier_a_reward_asks_for_is_enough(tier_level, allowed):
    check = _check(_reward(min_tier=2), tier_level=tier_level)
    assert check.allowed is allowed
    assert check.reason == (None if allowed else "Opens at Ambassador.")


def test_a_gift_needs_a_drive_taking_gifts_but_other_rewards_do_not():
    gift = _check(_reward(category=Category.ALTRUISTIC, stock=0), drive_open=False)
    assert (gift.allowed, gift.reason) == (
        False,
        "No charity drive is taking gifts right now. Your points will keep.",
    )
    assert _check(_reward(category=Category.ALTRUISTIC), drive_open=True).allowed is True
    assert _check(_reward(), drive_open=False).allowed is True


# --- The offer window -------------------------------------------------------------------------


def test_the_window_runs_from_local_midnight_to_the_end_of_the_last_day():
    starts, ends = offer_window(date(2026, 1, 10), date(2026, 1, 10), ZONE)
    assert (starts, ends) == (
        datetime(2026, 1, 10, 5, tzinfo=UTC),
        datetime(2026, 1, 11, 5, tzinfo=UTC),
    )
    assert offer_window(None, None, ZONE) == (None, None)
    assert offer_window(None, date(2026, 1, 10), ZONE) == (None, ends)
    assert offer_window(date(2026, 1, 10), None, ZONE) == (starts, None)


def test_a_last_day_before_the_first_is_refused():
    with pytest.raises(ServiceError) as refused:
        offer_window(date(2026, 1, 10), date(2026, 1, 9), ZONE)
    assert refused.value.field == "available_until"


def test_the_form_shows_the_days_it_was_given():
    starts, ends = offer_window(date(2026, 3, 7), date(2026, 3, 8), ZONE)  # across the DST change
    assert offer_days(_reward(available_from=starts, available_until=ends), ZONE) == (
        date(2026, 3, 7),
        date(2026, 3, 8),
    )
    assert offer_days(_reward(), ZONE) == (None, None)


@pytest.mark.parametrize(
    ("window", "offered"),
    [
        ({}, True),
        ({"available_from": NOW}, True),
        ({"available_from": NOW + TICK}, False),
        ({"available_until": NOW + TICK}, True),
        ({"available_until": NOW}, False),
        ({"available_from": NOW - TICK, "available_until": NOW + TICK}, True),
        ({"is_active": False}, False),
    ],
)
def test_a_reward_is_available_inside_its_window_to_the_instant(window, offered):
    assert _reward(**window).is_available(NOW) is offered


def test_the_catalogue_lists_exactly_the_rewards_inside_their_window(make_reward, make_owner):
    make_reward("Not yet", available_from=NOW + TICK)
    make_reward("Just ended", available_until=NOW)
    make_reward("Retired", is_active=False)
    make_reward("Opens now", available_from=NOW, points_cost=300)
    make_reward("Last moment", available_until=NOW + TICK, points_cost=200)
    make_reward("Always", points_cost=200)
    names = [name for _, name, *_ in read_page(db.session, make_owner().id, NOW).rewards]
    assert names == ["Last moment", "Always", "Opens now"]


def test_an_owner_sees_only_their_own_redemptions_newest_first(
    make_owner, make_reward, make_redemption
):
    olivia, sam = make_owner(), make_owner()
    reward = make_reward()
    older = make_redemption(olivia, reward, created_at=NOW - timedelta(days=1))
    newer = make_redemption(olivia, reward, created_at=NOW)
    same_time = make_redemption(olivia, reward, created_at=NOW)
    make_redemption(sam, reward, created_at=NOW)
    newest_first = [same_time.id, newer.id, older.id]
    mine = owner_redemptions(db.session, olivia.id)
    assert [redemption.id for redemption in mine] == newest_first
    on_the_page = read_page(db.session, olivia.id, NOW).redemptions
    assert [redemption_id for redemption_id, *_ in on_the_page] == newest_first
