"""Staff forms: reminder settings and the seasonal and recall campaigns."""

from datetime import date

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import PortalForm

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
