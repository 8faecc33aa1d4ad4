"""Forms for coordinators' events and owners' RSVPs."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.events.models import AUDIENCE_LABELS, KIND_LABELS
from portal.events.services.broadcasts import AUDIENCE_LABELS as MESSAGE_AUDIENCES
from portal.events.services.broadcasts import Audience
from portal.forms import PortalForm

_when = {"format": "%Y-%m-%dT%H:%M"}


class EventForm(PortalForm):
    """An event as a coordinator enters it; times in the dealership's time zone."""

    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    location = StringField("Location", validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField("Starts", validators=[DataRequired()], **_when)
    ends_at = DateTimeLocalField("Ends", validators=[DataRequired()], **_when)
    capacity = IntegerField(
        "Capacity (people, guests included)",
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
    )
    guests_allowed = IntegerField(
        "Guests each owner may bring",
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=20)],
    )
    rsvp_opens_at = DateTimeLocalField("RSVPs open", validators=[Optional()], **_when)
    rsvp_closes_at = DateTimeLocalField("RSVPs close", validators=[Optional()], **_when)
    audience = SelectField(
        "Who can see it",
        choices=[
            SelectChoice(audience.value, label) for audience, label in AUDIENCE_LABELS.items()
        ],
    )
    early_access_days = IntegerField(
        "Ambassador early access (days)",
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=60)],
    )
    ambassador_priority = BooleanField("Ambassadors go first on the waitlist")
    target_make = StringField("Make", validators=[Optional(), Length(max=60)])
    target_model = StringField("Model", validators=[Optional(), Length(max=60)])
    target_year_from = IntegerField(
        "From model year", validators=[Optional(), NumberRange(min=1900, max=2100)]
    )
    target_year_to = IntegerField(
        "To model year", validators=[Optional(), NumberRange(min=1900, max=2100)]
    )


class GuestsForm(PortalForm):
    """How many guests the owner brings (an RSVP, or a change to one)."""

    guests = IntegerField(
        "Guests", default=0, validators=[InputRequired(), NumberRange(min=0, max=20)]
    )


class CancelEventForm(PortalForm):
    """Call an event off, with a word to everyone who RSVPed."""

    message = TextAreaField(
        "Message to everyone who RSVPed",
        validators=[Optional(), Length(max=2000)],
    )


class FeedRemindersForm(PortalForm):
    """Whether the owner's calendar feed carries their reminders as well as their events."""

    include_reminders = BooleanField(
        "Also show my service, warranty and recall reminders that are due soon or overdue"
    )


class InviteOwnersForm(PortalForm):
    """Confirm the invitations a preview showed: its owners travel with the form."""

    #: The previewed owners' ids, separated by spaces (a dealership's owners fit easily).
    owners = HiddenField(
        validators=[InputRequired(), Length(max=1_000_000), Regexp(r"^[0-9]+( [0-9]+)*$")]
    )

    def owner_ids(self) -> set[int]:
        """The previewed owners, as ids."""
        return {int(part) for part in self.owners.data.split()}


class CheckInForm(PortalForm):
    """Check an attendee in at the door, with the guests who came with them."""

    #: Left out (the list's one-tap button), every guest they booked came with them.
    guests = IntegerField("Guests with them", validators=[Optional(), NumberRange(0, 1000)])


class AttendeeMessageForm(PortalForm):
    """A message to an event's attendees, as the coordinator writes it (then previews it)."""

    audience = RadioField(
        "Who gets it",
        choices=[SelectChoice(value.value, label) for value, label in MESSAGE_AUDIENCES.items()],
        default=Audience.CONFIRMED.value,
    )
    subject = StringField("Subject", validators=[DataRequired(), Length(max=150)])
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=5000)])


class SendAttendeeMessageForm(AttendeeMessageForm):
    """Send what a preview showed: its text travels with the form, with the preview's claim."""

    claim = HiddenField(validators=[InputRequired(), Regexp(r"^[A-Za-z0-9_-]{32}$")])


class GuestRsvpForm(PortalForm):
    """A visitor's RSVP to a public event: who they are and the guests they bring."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Your email",
        validators=[DataRequired(), Email(message="Enter a full email address."), Length(max=254)],
    )
    guests = IntegerField(
        "Guests you're bringing", default=0, validators=[Optional(), NumberRange(0, 20)]
    )
