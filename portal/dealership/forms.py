"""The dealership settings form."""

from wtforms import EmailField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Email, Length, Optional

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
    #: Left empty, the time already chosen stands.
    event_reminder_time = TimeField("Event reminders go out at", validators=[Optional()])
