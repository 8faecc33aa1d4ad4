"""Which category each kind of message belongs to, and what unsubscribing from it turns off."""

from enum import StrEnum


class Category(StrEnum):
    """What a one-click unsubscribe from a message turns off."""

    SERVICE = "service"  # service reminders, warranty notices, recalls, seasonal checks
    EVENT_INVITES = "event_invites"
    CELEBRATIONS = "celebrations"
    EMAIL = "email"  # any other message: no more email, the portal inbox keeps them


#: The category of each kind of message that needs a consent; every other kind is EMAIL.
CATEGORY_FOR_KIND = {
    "service": Category.SERVICE,
    "warranty": Category.SERVICE,
    "protection": Category.SERVICE,
    "recall": Category.SERVICE,
    "seasonal": Category.SERVICE,
    "feedback": Category.SERVICE,
    "birthday": Category.CELEBRATIONS,
    "anniversary": Category.CELEBRATIONS,
    "event_invite": Category.EVENT_INVITES,
    # A coordinator's message to an event's attendees goes by email only with this consent.
    "event_message": Category.EVENT_INVITES,
}

#: How the owner's confirmation names what they turned off ("... you won't receive ...").
CATEGORY_WORDS = {
    Category.SERVICE: "service reminders, warranty notices and recall letters",
    Category.EVENT_INVITES: "invitations to clinics, launches and owners' events",
    Category.CELEBRATIONS: "birthday and car-anniversary notes",
    Category.EMAIL: "emails from the Owners Club",
}


def category_for(kind: str) -> Category:
    """The category a message of this kind belongs to."""
    return CATEGORY_FOR_KIND.get(kind, Category.EMAIL)
