"""The dealership settings form."""

from wtforms import EmailField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from portal.forms import PortalForm


class DealershipForm(PortalForm):
    """The dealership's identity and contact details, shown across the portal and in emails."""

    name = StringField("Dealership name", validators=[DataRequired(), Length(max=100)])
    timezone = StringField(
        "Time zone", validators=[DataRequired(), Length(max=64)], render_kw={"list": "timezones"}
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=32)])
    email = EmailField(
        "Contact email", validators=[Optional(), Email(message="Enter a full email address.")]
    )
    address = TextAreaField("Address", validators=[Optional(), Length(max=300)])
    weekly_message_limit = IntegerField(
        "Messages per owner per week, by email or text",
        validators=[Optional(), NumberRange(1, 14)],
    )
    #: Left empty, the time already chosen stands.
    event_reminder_time = TimeField("Event reminders go out at", validators=[Optional()])
    #: Left empty, the hours already chosen stand.
    check_in_opens_hours = IntegerField(
        "Check-in opens this many hours before an event",
        validators=[Optional(), NumberRange(0, 24)],
    )
