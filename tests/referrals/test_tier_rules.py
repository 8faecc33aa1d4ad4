"""The tier ladder and the thank-you letter's template, at their edges (no database)."""

import pytest

from portal.errors import ServiceError
from portal.referrals.models import Stage
from portal.referrals.rules import (
    MANUAL_STAGES,
    PLACEHOLDERS,
    STAGE_POINT_SETTINGS,
    TIER_DEFAULTS,
    Tiers,
    check_template,
    render_thanks,
    tier_progress,
)

LADDER = Tiers(
    names=["Member", "Advocate", "Ambassador", "Elite Ambassador"], thresholds=[0, 1, 3, 6]
)


def test_the_default_ladder_is_the_one_the_club_advertises():
    assert TIER_DEFAULTS["referrals.tier_names"] == LADDER.names
    assert TIER_DEFAULTS["referrals.tier_thresholds"] == LADDER.thresholds


@pytest.mark.parametrize(
    ("purchases", "level"),
    [(0, 0), (1, 1), (2, 1), (3, 2), (5, 2), (6, 3), (7, 3), (250, 3)],
)
def test_a_tier_is_reached_exactly_at_its_threshold(purchases, level):
    assert LADDER.level_for(purchases) == level


def test_a_ladder_with_gaps_keeps_the_highest_tier_reached():
    ladder = Tiers(names=["A", "B", "C"], thresholds=[0, 5, 10])
    assert [ladder.level_for(n) for n in (4, 5, 9, 10, 11)] == [0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("level", "name"),
    [
        (-1, "Member"),
        (0, "Member"),
        (2, "Ambassador"),
        (3, "Elite Ambassador"),
        (9, "Elite Ambassador"),
    ],
)
def test_a_tier_name_is_clamped_to_the_ladder(level, name):
    assert LADDER.name(level) == name


@pytest.mark.parametrize(
    ("level", "purchases", "next_name", "next_needed", "to_go"),
    [
        (0, 0, "Advocate", 1, 1),
        (1, 1, "Ambassador", 3, 2),
        (1, 2, "Ambassador", 3, 1),
        (2, 5, "Elite Ambassador", 6, 1),
        # A stored level ahead of the count (thresholds raised later): nothing negative.
        (2, 0, "Elite Ambassador", 6, 6),
        (1, 4, "Ambassador", 3, 0),
    ],
)
def test_progress_names_the_next_tier_and_what_it_needs(
    level, purchases, next_name, next_needed, to_go
):
    progress = tier_progress(LADDER, level, purchases)
    assert (progress.level, progress.name, progress.purchases) == (
        level,
        LADDER.name(level),
        purchases,
    )
    assert (progress.next_name, progress.next_needed, progress.to_go) == (
        next_name,
        next_needed,
        to_go,
    )


def test_the_top_tier_has_nothing_further_to_go():
    progress = tier_progress(LADDER, 3, 9)
    assert (progress.name, progress.next_name, progress.next_needed, progress.to_go) == (
        "Elite Ambassador",
        None,
        None,
        0,
    )


def test_manual_stages_leave_the_purchase_to_its_own_step():
    assert Stage.PURCHASED not in MANUAL_STAGES
    assert set(MANUAL_STAGES) == {Stage.INVITED, Stage.CONTACTED, Stage.TEST_DRIVE, Stage.LOST}
    assert STAGE_POINT_SETTINGS == {
        Stage.CONTACTED: "referrals.points_contacted",
        Stage.TEST_DRIVE: "referrals.points_test_drive",
        Stage.PURCHASED: "referrals.points_purchased",
    }


def test_every_placeholder_is_accepted_and_filled():
    template = " ".join("{" + name + "}" for name in PLACEHOLDERS)
    check_template(template)
    values = {name: name.upper() for name in PLACEHOLDERS}
    assert render_thanks(template, values) == " ".join(name.upper() for name in PLACEHOLDERS)


def test_values_are_filled_as_text_and_unknown_placeholders_stay_as_written():
    rendered = render_thanks(
        "Dear {first_name}, {points} points. {mystery} {{braces}}",
        {"first_name": "Priya", "points": 500},
    )
    assert rendered == "Dear Priya, 500 points. {mystery} {braces}"


def test_a_template_without_placeholders_is_kept_whole():
    assert render_thanks("Thank you.", {"first_name": "Priya"}) == "Thank you."
    check_template("Thank you.")


@pytest.mark.parametrize(
    "template", ["{first_name!r}", "{first_name:>9}", "{first_name.x}", "{0}", "{"]
)
def test_a_template_that_is_not_plain_names_is_sent_unfilled(template):
    assert render_thanks(template, {"first_name": "Priya", "0": "zero"}) == template


def test_unknown_placeholders_are_named_in_order_with_the_ones_to_use():
    with pytest.raises(ServiceError) as refused:
        check_template("{zeta} {first_name} {alpha} {zeta}")
    assert refused.value.field == "template"
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    assert refused.value.message == f"Unknown placeholder: {{alpha}}, {{zeta}}. Use {known}."


@pytest.mark.parametrize("template", ["{first_name!s}", "{points:,}", "{car[0]}", "{", "}"])
def test_a_template_with_more_than_a_plain_name_is_refused(template):
    with pytest.raises(ServiceError) as refused:
        check_template(template)
    assert refused.value.field == "template"
    assert refused.value.message.startswith("Check the curly braces")


def test_the_top_tier_owes_nothing_even_with_no_purchases_counted():
    # Thresholds raised after the tier was reached: still nothing to go, and no next tier.
    progress = tier_progress(LADDER, 3, 0)
    assert (progress.next_needed, progress.to_go) == (None, 0)
