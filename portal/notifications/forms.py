"""The consent form reached from an email link."""

from wtforms import BooleanField

from portal.forms import PortalForm


class ConsentForm(PortalForm):
    """Which messages the owner agrees to receive."""

    consent_service = BooleanField("Service reminders, warranty notices and recalls")
    consent_event_invites = BooleanField(
        "Invitations to clinics, launches and owners' events, and a reminder the day before"
        " one you're going to"
    )
    birthday_messages = BooleanField("A note on my birthday and my car's anniversary")
