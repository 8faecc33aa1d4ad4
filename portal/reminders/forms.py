"""Forms: the owner's actions on a reminder, and the staff's settings and campaigns."""

from datetime import date

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import PortalForm
from portal.reminders.models import TIME_WINDOW_LABELS
from portal.reminders.rules import SNOOZE_DAYS


class SnoozeForm(PortalForm):
    """Snooze for 7 or 30 days (the two buttons carry the value)."""

    days = IntegerField(
        "Days",
        validators=[InputRequired(), NumberRange(min=1, max=30), AnyOf(SNOOZE_DAYS)],
    )


class DoneForm(PortalForm):
    """Mark done, optionally with the odometer reading at the time."""

    miles = IntegerField(
        "Miles on the clock (optional)", validators=[Optional(), NumberRange(min=0, max=2_000_000)]
    )


class MilesForm(PortalForm):
    """The odometer today, so estimates give way to a reading."""

    miles = IntegerField(
        "Miles on the clock today",
        validators=[InputRequired("Tell us the miles."), NumberRange(min=0, max=2_000_000)],
    )


class LastServiceForm(PortalForm):
    """When a car with no service on file was last serviced: a date, and the miles if known."""

    performed_on = DateField(
        "Date of its last service", validators=[InputRequired("Tell us roughly when.")]
    )
    miles = IntegerField(
        "Miles at the time (optional)", validators=[Optional(), NumberRange(min=0, max=2_000_000)]
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

    def values(self) -> dict:
        """The request as `request_visit` takes it."""
        return {name: self[name].data for name in ("preferred_day", "time_window", "note")}


MONTHS = [SelectChoice(number, date(2000, number, 1).strftime("%B")) for number in range(1, 13)]


class ReminderSettingsForm(PortalForm):
    """The rules' numbers; the ranges keep a typo from flooding or silencing owners."""

    service_interval_months = IntegerField(
        "Service every (months)", validators=[InputRequired(), NumberRange(1, 24)]
    )
    service_interval_miles = IntegerField(
        "…or every (miles), whichever comes first",
        validators=[InputRequired(), NumberRange(500, 30000)],
    )
    due_soon_days = IntegerField(
        "Service is 'due soon' this many days ahead",
        validators=[InputRequired(), NumberRange(1, 90)],
    )
    warranty_notice_days = IntegerField(
        "Warranty and protection notice (days ahead)",
        validators=[InputRequired(), NumberRange(7, 180)],
    )
    anniversary_notice_days = IntegerField(
        "Car anniversary notice (days ahead)", validators=[InputRequired(), NumberRange(1, 60)]
    )
    birthday_notice_days = IntegerField(
        "Birthday notice (days ahead)", validators=[InputRequired(), NumberRange(1, 30)]
    )
    default_miles_per_day = IntegerField(
        "Miles a day when a car's readings say too little",
        validators=[InputRequired(), NumberRange(1, 300)],
    )


def _valid_month_day(month: int, day: int | None) -> bool:
    try:
        date(2000, month, day or 0)
    except (TypeError, ValueError):
        return False
    return True


class SeasonalCampaignForm(PortalForm):
    """A yearly window with advice, for every car or one make."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    advice = TextAreaField("What owners should do", validators=[Optional(), Length(max=1000)])
    start_month = SelectField("Starts (month)", choices=MONTHS, coerce=int)
    start_day = IntegerField("Starts (day)", validators=[InputRequired(), NumberRange(1, 31)])
    end_month = SelectField("Ends (month)", choices=MONTHS, coerce=int)
    end_day = IntegerField("Ends (day)", validators=[InputRequired(), NumberRange(1, 31)])
    make = StringField("Only this make (optional)", validators=[Optional(), Length(max=60)])
    active = BooleanField("Active", default=True)

    def validate_start_day(self, field):
        if not _valid_month_day(self.start_month.data, field.data):
            raise ValidationError("That month has no such day.")

    def validate_end_day(self, field):
        if not _valid_month_day(self.end_month.data, field.data):
            raise ValidationError("That month has no such day.")


class RecallCampaignForm(PortalForm):
    """A manufacturer recall and the cars it covers."""

    code = StringField("Recall code", validators=[DataRequired(), Length(max=40)])
    title = StringField("Title", validators=[DataRequired(), Length(max=150)])
    remedy = TextAreaField("What the workshop does", validators=[Optional(), Length(max=2000)])
    make = StringField("Make", validators=[DataRequired(), Length(max=60)])
    model = StringField("Model", validators=[DataRequired(), Length(max=60)])
    year_from = IntegerField(
        "Model years from", validators=[InputRequired(), NumberRange(1950, 2100)]
    )
    year_to = IntegerField("to", validators=[InputRequired(), NumberRange(1950, 2100)])
    issued_on = DateField("Issued on", validators=[InputRequired()])
    active = BooleanField("Active", default=True)

    def validate_year_to(self, field):
        if self.year_from.data and field.data and field.data < self.year_from.data:
            raise ValidationError("The last model year comes before the first.")
