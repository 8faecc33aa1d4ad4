"""The lane's pure rules at their edges: horizons, the held share, cut-offs, windows, slots."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.accounts.models import AMBASSADOR_LEVEL, User
from portal.servicelane.rules import (
    DEFAULTS,
    LaneSettings,
    Opening,
    Window,
    change_deadline,
    day_begins,
    held_places,
    is_priority,
    last_bookable_day,
    opening,
    overlaps,
    parse_slot,
    priority_sentence,
    share_is_held,
    slot_start,
    windows_on,
)

NEW_YORK = ZoneInfo("America/New_York")
THURSDAY = date(2026, 12, 10)
EIGHT_TO_TEN = Window(time(8), time(10), 5)


def test_the_defaults_are_the_documented_numbers_stored_or_not():
    documented = LaneSettings(
        days_ahead=14,
        priority_days=7,
        priority_share_percent=20,
        priority_release_hours=48,
        change_cutoff_hours=24,
    )
    assert LaneSettings() == documented
    assert LaneSettings.from_stored(DEFAULTS) == documented


def test_stored_settings_are_read_as_whole_numbers():
    stored = {
        "servicelane.days_ahead": "10",
        "servicelane.priority_days": "3",
        "servicelane.priority_share_percent": "25",
        "servicelane.priority_release_hours": "12",
        "servicelane.change_cutoff_hours": "6",
    }
    assert LaneSettings.from_stored(stored) == LaneSettings(10, 3, 25, 12, 6)


def test_priority_starts_exactly_at_the_ambassador_tier():
    assert not is_priority(None)
    assert not is_priority(User(tier_level=AMBASSADOR_LEVEL - 1))
    assert is_priority(User(tier_level=AMBASSADOR_LEVEL))
    assert is_priority(User(tier_level=AMBASSADOR_LEVEL + 1))


def test_the_last_bookable_day_is_the_horizon_plus_the_ambassadors_head_start():
    today = date(2026, 12, 7)
    settings = LaneSettings(days_ahead=14, priority_days=7)
    assert last_bookable_day(today, settings, priority=False) == date(2026, 12, 21)
    assert last_bookable_day(today, settings, priority=True) == date(2026, 12, 28)
    no_head_start = LaneSettings(days_ahead=14, priority_days=0)
    assert last_bookable_day(today, no_head_start, priority=True) == date(2026, 12, 21)


@pytest.mark.parametrize(
    ("capacity", "share", "held"),
    [
        (5, 20, 1),
        (4, 20, 1),  # 0.8 rounds up
        (2, 20, 0),  # 0.4 rounds down
        (5, 10, 1),  # exactly half rounds up
        (7, 7, 0),  # 0.49 rounds down
        (10, 25, 3),  # 2.5 rounds up
        (10, 0, 0),
        (10, 100, 10),
        (0, 20, 0),
    ],
)
def test_the_held_share_is_rounded_half_up(capacity, share, held):
    assert held_places(capacity, share) == held


def test_the_day_begins_at_midnight_at_the_dealership():
    assert day_begins(THURSDAY, NEW_YORK) == datetime(2026, 12, 10, 5, 0, tzinfo=UTC)


def test_the_share_is_held_until_exactly_the_release_hours_before_the_day():
    settings = LaneSettings(priority_release_hours=48)
    release = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # Thursday's midnight EST, less 48 h
    assert share_is_held(THURSDAY, release - timedelta(microseconds=1), settings, NEW_YORK)
    assert not share_is_held(THURSDAY, release, settings, NEW_YORK)
    assert not share_is_held(THURSDAY, release + timedelta(hours=1), settings, NEW_YORK)


def test_a_slot_starts_and_its_changes_stop_in_the_dealerships_time():
    settings = LaneSettings(change_cutoff_hours=24)
    assert slot_start(THURSDAY, time(8, 30), NEW_YORK) == datetime(2026, 12, 10, 13, 30, tzinfo=UTC)
    assert change_deadline(THURSDAY, time(8, 30), settings, NEW_YORK) == datetime(
        2026, 12, 9, 13, 30, tzinfo=UTC
    )


def test_a_day_has_its_weekdays_windows_unless_an_exception_closes_or_resizes_it():
    weekly = {THURSDAY.weekday(): [EIGHT_TO_TEN, Window(time(13), time(15), 2)]}
    friday = THURSDAY + timedelta(days=1)
    assert windows_on(THURSDAY, weekly, {}) == weekly[THURSDAY.weekday()]
    assert windows_on(friday, weekly, {}) == []
    assert windows_on(friday, weekly, {friday: 4}) == []
    assert windows_on(THURSDAY, weekly, {THURSDAY: None}) == []
    assert windows_on(THURSDAY, weekly, {THURSDAY: 0}) == [
        Window(time(8), time(10), 0),
        Window(time(13), time(15), 0),
    ]
    assert windows_on(THURSDAY, weekly, {friday: None, THURSDAY: 1}) == [
        Window(time(8), time(10), 1),
        Window(time(13), time(15), 1),
    ]


def test_what_is_free_leaves_the_held_places_to_ambassadors_and_staff():
    member = opening(THURSDAY, EIGHT_TO_TEN, booked=3, held=1, priority=False)
    assert member == Opening(THURSDAY, time(8), time(10), 5, 3, 1, 1)
    assert opening(THURSDAY, EIGHT_TO_TEN, booked=4, held=1, priority=False).free == 0
    assert opening(THURSDAY, EIGHT_TO_TEN, booked=4, held=1, priority=True).free == 1
    assert opening(THURSDAY, EIGHT_TO_TEN, booked=4, held=1, priority=False, staff=True).free == 1
    assert opening(THURSDAY, EIGHT_TO_TEN, booked=5, held=1, priority=True).free == 0
    # A window made smaller than what is booked in it offers nothing, never a negative.
    assert opening(THURSDAY, Window(time(8), time(10), 2), 4, 0, priority=True).free == 0


def test_a_slot_is_named_by_its_day_and_start():
    found = opening(THURSDAY, Window(time(8, 5), time(10), 5), 0, 0, priority=False)
    assert found.value == "2026-12-10T08:05"
    assert parse_slot(found.value) == (THURSDAY, time(8, 5))


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-10 08:00",
        "2026-12-10T8:00",
        "2026-12-10T08:000",
        "2026-13-10T08:00",
        "2026-12-10T25:00",
        "",
        None,
        202612100800,
    ],
)
def test_anything_but_a_slot_value_is_no_slot(value):
    assert parse_slot(value) is None


def test_windows_overlap_only_when_they_share_time():
    assert overlaps((time(8), time(10)), (time(9), time(11)))
    assert overlaps((time(9), time(11)), (time(8), time(10)))
    assert overlaps((time(8), time(12)), (time(9), time(10)))
    assert not overlaps((time(8), time(10)), (time(10), time(12)))
    assert not overlaps((time(10), time(12)), (time(8), time(10)))


def test_the_rewards_page_sentence_names_the_current_numbers():
    assert priority_sentence(LaneSettings()) == (
        "As an ambassador you can book up to 21 days ahead, 7 days before members, and 20% of "
        "each day's slots are kept for ambassadors until 48 hours before."
    )
    assert priority_sentence(LaneSettings(days_ahead=10, priority_days=0)) == (
        "As an ambassador you can book up to 10 days ahead, and 20% of each day's slots are "
        "kept for ambassadors until 48 hours before."
    )
    assert priority_sentence(LaneSettings(priority_days=3, priority_share_percent=0)) == (
        "As an ambassador you can book up to 17 days ahead, and 3 days before members."
    )
    assert priority_sentence(LaneSettings(priority_days=0, priority_share_percent=0)) == (
        "As an ambassador you can book up to 14 days ahead."
    )
