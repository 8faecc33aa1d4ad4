"""Referral rules without a database: stages, the tier ladder and the thank-you letter."""

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.errors import ServiceError
from portal.referrals.models import Stage

#: The stages a coordinator moves a referral to by hand; purchase needs a VIN (see services).
MANUAL_STAGES = (Stage.INVITED, Stage.CONTACTED, Stage.TEST_DRIVE, Stage.LOST)

#: The setting that says how many points each stage earns the referrer.
STAGE_POINT_SETTINGS = {
    Stage.CONTACTED: "referrals.points_contacted",
    Stage.TEST_DRIVE: "referrals.points_test_drive",
    Stage.PURCHASED: "referrals.points_purchased",
}


# --- Ambassador tiers ---------------------------------------------------------------------

TIER_DEFAULTS: dict[str, Any] = {
    "referrals.tier_names": ["Member", "Advocate", "Ambassador", "Elite Ambassador"],
    #: Purchases referred to reach each tier; the first is always 0.
    "referrals.tier_thresholds": [0, 1, 3, 6],
}


@dataclass(frozen=True)
class Tiers:
    """The dealership's tier ladder."""

    names: list[str]
    thresholds: list[int]

    def level_for(self, purchases: int) -> int:
        """The highest tier whose threshold `purchases` reaches."""
        return max(level for level, needed in enumerate(self.thresholds) if purchases >= needed)

    def name(self, level: int) -> str:
        return self.names[max(0, min(level, len(self.names) - 1))]


@dataclass(frozen=True)
class TierProgress:
    """Where an owner stands: their tier, purchases referred, and what the next tier needs."""

    level: int
    name: str
    purchases: int
    next_name: str | None
    next_needed: int | None

    @property
    def to_go(self) -> int:
        return max(0, (self.next_needed or 0) - self.purchases)


def tier_progress(tiers: Tiers, level: int, purchases: int) -> TierProgress:
    """Progress towards the next tier, from a stored level and a purchase count."""
    has_next = level + 1 < len(tiers.thresholds)
    return TierProgress(
        level=level,
        name=tiers.name(level),
        purchases=purchases,
        next_name=tiers.name(level + 1) if has_next else None,
        next_needed=tiers.thresholds[level + 1] if has_next else None,
    )


# --- The thank-you letter -----------------------------------------------------------------

THANKS_DEFAULTS: dict[str, Any] = {
    "rewards.thank_you_subject": "Thank you for introducing {friend_first_name}",
    "rewards.thank_you_template": (
        "Dear {first_name},\n\n"
        "{friend_first_name} has just taken home their {car}, and they came to us because "
        "of you. Thank you for bringing a friend into the {dealership} family: it means a "
        "great deal to all of us here.\n\n"
        "We've added {points} points to your Owners Club balance as a small thank-you. "
        "You'll find them, and the experiences they can open, on your rewards page "
        "whenever you like.\n\n"
        "With warm thanks,\n\n{manager_name}"
    ),
    "rewards.thank_you_manager_name": "Morgan Ellis, General Manager",
}

#: What a template may mention; anything else is refused when the dealership saves it.
PLACEHOLDERS = {
    "first_name": "the owner's first name",
    "friend_first_name": "their friend's first name",
    "car": "the car their friend bought",
    "points": "the points awarded for the purchase",
    "dealership": "the dealership's name",
    "manager_name": "the manager who signs the letter",
}


def _pieces(template: str) -> list[tuple[str, str | None]]:
    """The template as (text, placeholder name or None); ValueError for anything but {name}.

    Only a plain name is a placeholder: a format spec (`{first_name:>50000000}` would pad
    the letter to 50 MB), a conversion (`!r`), attribute or index access are refused.
    """
    pieces = []
    for text, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (spec or conversion or not name.isidentifier()):
            raise ValueError(name)
        pieces.append((text, name))
    return pieces


def check_template(template: str) -> None:
    """Refuse a template with unbalanced braces, a format spec, or a placeholder we cannot fill."""
    try:
        fields = [name for _, name in _pieces(template) if name is not None]
    except ValueError as error:
        raise ServiceError(
            "Check the curly braces: each placeholder is a plain name such as {first_name}, "
            "with no format, conversion or dots inside the braces.",
            "template",
        ) from error
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise ServiceError(
            "Unknown placeholder: "
            + ", ".join("{" + name + "}" for name in unknown)
            + ". Use "
            + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            + ".",
            "template",
        )


def render_thanks(template: str, values: Mapping[str, Any]) -> str:
    """Fill the template; the result is plain text, escaped wherever it is shown.

    An unknown {placeholder} stays as written. A template that is not plain {name}s (one
    saved before these checks existed) is sent unfilled: it is never formatted.
    """
    try:
        pieces = _pieces(template)
    except ValueError:
        return template
    return "".join(
        text + ("" if name is None else str(values[name]) if name in values else "{" + name + "}")
        for text, name in pieces
    )
