"""Phone numbers: stored in E.164, refused when they cannot exist."""

import phonenumbers

from portal.errors import ServiceError


def normalise_phone(raw: str | None, region: str) -> str | None:
    """A phone number in E.164 form, or None when blank; refuses numbers that cannot exist."""
    if not raw or not raw.strip():
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ServiceError("That does not look like a phone number.", "phone") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ServiceError("That phone number is not valid; check the digits.", "phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
