"""The personal thank-you a referrer receives when a friend buys: the dealership's template."""

import string
from collections.abc import Mapping
from typing import Any

from portal.errors import ServiceError

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


class _SimpleFields(string.Formatter):
    """str.format with plain names only: no attribute or index access into the values."""

    def get_field(self, field_name: str, args, kwargs):
        if not field_name.isidentifier():
            raise KeyError(field_name)
        return self.get_value(field_name, args, kwargs), field_name


class _KeepUnknown(dict):
    """Leave an unknown {placeholder} as written rather than failing the whole letter."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def check_template(template: str) -> None:
    """Refuse a template with unbalanced braces or a placeholder we cannot fill."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as error:
        raise ServiceError(
            "Check the curly braces: each placeholder looks like {first_name}.", "template"
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
    """Fill the template; the result is plain text, escaped wherever it is shown."""
    safe = _KeepUnknown({key: str(value) for key, value in values.items()})
    try:
        return _SimpleFields().vformat(template, (), safe)
    except (ValueError, KeyError, IndexError):
        # A template saved before validation existed: send it unfilled rather than nothing.
        return template
