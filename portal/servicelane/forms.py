"""Forms of the service lane: booking, moving, the staff's capacity and settings."""

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.servicelane.models import HANDOVER_LABELS

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class BookForm(PortalForm):
    """Book a car into a slot: when, what for, and what the owner does meanwhile.

    The slot's radio buttons are drawn by the template, day by day; the work's choices are
    the car's (set by the view).
    """

    slot = StringField("Time", validators=[InputRequired("Choose a time."), Length(max=16)])
    work = RadioField("What is it for?", validators=[InputRequired("Choose what it's for.")])
    handover = RadioField(
        "While we work on it",
        choices=[SelectChoice(value.value, label) for value, label in HANDOVER_LABELS.items()],
        default="wait",
        validators=[InputRequired("Choose one.")],
    )
    note = TextAreaField(
        "Anything we should know? (optional for a service or recall)",
        validators=[Optional(), Length(max=1000)],
    )


class MoveForm(PortalForm):
    """Move a booking to another slot."""

    slot = StringField("New time", validators=[InputRequired("Choose a time."), Length(max=16)])


class StatusForm(PortalForm):
    """Mark a booking arrived, done or a no-show (the button pressed names it)."""

    status = StringField(validators=[InputRequired(), Length(max=16)])


class OwnerLookupForm(PortalForm):
    """Find the owner to book for, by email."""

    class Meta:
        csrf = False

    email = StringField("Owner's email", validators=[InputRequired(), Length(max=254)])


class WindowForm(PortalForm):
    """A window of the week and the cars the lane takes in it."""

    weekday = SelectField(
        "Day",
        choices=[SelectChoice(number, name) for number, name in enumerate(WEEKDAYS)],
        coerce=int,
    )
    starts_at = TimeField("From", validators=[InputRequired("Give a start time.")])
    ends_at = TimeField("Until", validators=[InputRequired("Give an end time.")])
    capacity = IntegerField(
        "Cars (bays or advisors)",
        validators=[InputRequired("How many cars?"), NumberRange(0, 100)],
    )

    def data_for_service(self) -> dict:
        """The window as `capacity.add_window` takes it."""
        return {name: self[name].data for name in ("weekday", "starts_at", "ends_at", "capacity")}


class CapacityForm(PortalForm):
    """Change one window's capacity."""

    capacity = IntegerField("Cars", validators=[InputRequired(), NumberRange(0, 100)])


class ClosureForm(PortalForm):
    """Close a date, or run it with a different capacity."""

    day = DateField("Date", validators=[InputRequired("Choose a date.")])
    capacity = IntegerField(
        "Cars per window (empty: closed all day)", validators=[Optional(), NumberRange(0, 100)]
    )
    note = StringField("Why (staff and owners see it)", validators=[Optional(), Length(max=200)])


class LaneSettingsForm(PortalForm):
    """How far ahead owners book, the ambassadors' priority, the change cut-off."""

    days_ahead = IntegerField(
        "Members can book this many days ahead", validators=[InputRequired(), NumberRange(1, 180)]
    )
    priority_days = IntegerField(
        "Ambassadors see new days this many days earlier",
        validators=[InputRequired(), NumberRange(0, 90)],
    )
    priority_share_percent = IntegerField(
        "Share of each window kept for ambassadors (%)",
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    priority_release_hours = IntegerField(
        "The kept share is released this many hours before the day",
        validators=[InputRequired(), NumberRange(0, 720)],
    )
    change_cutoff_hours = IntegerField(
        "Owners can move or cancel until this many hours before",
        validators=[InputRequired(), NumberRange(0, 336)],
    )
