"""Forms behind the actions on a reminder."""

from wtforms import DateField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.reminders.models import TIME_WINDOW_LABELS


class SnoozeForm(PortalForm):
    """Snooze for 7 or 30 days (the two buttons carry the value)."""

    days = IntegerField("Days", validators=[InputRequired(), NumberRange(min=1, max=30)])


class DoneForm(PortalForm):
    """Mark done, optionally with the odometer reading at the time."""

    miles = IntegerField(
        "Miles on the clock (optional)", validators=[Optional(), NumberRange(min=0, max=2_000_000)]
    )


class VisitForm(PortalForm):
    """Ask the service team for a visit."""

    preferred_day = DateField("Preferred day", validators=[InputRequired("Choose a day.")])
    time_window = RadioField(
        "Time of day",
        choices=[SelectChoice(value.value, label) for value, label in TIME_WINDOW_LABELS.items()],
        default="morning",
        validators=[InputRequired("Choose a time of day.")],
    )
    note = TextAreaField(
        "Anything we should know? (optional)",
        validators=[Optional(), Length(max=1000)],
    )
