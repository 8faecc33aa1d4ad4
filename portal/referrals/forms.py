"""Forms for the invite landing page, the pipeline and the referral settings."""

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.referrals.models import CONTACT_LABELS, STAGE_LABELS
from portal.referrals.rules import MANUAL_STAGES


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


#: How a referred friend may ask to be contacted: (value, label), in the form's order.
CONTACT_CHOICES = tuple((value.value, label) for value, label in CONTACT_LABELS.items())


class LandingForm(PortalForm):
    """A referred friend's details: no account, no JavaScript needed."""

    name = StringField("Your name", filters=[_strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[DataRequired(), Email(message="Enter a full email address.")],
    )
    phone = TelField("Phone (optional)", validators=[Optional(), Length(max=32)])
    preferred_contact = RadioField(
        "How should we get in touch?",
        choices=[SelectChoice(value, label) for value, label in CONTACT_CHOICES],
        default="email",
        validators=[DataRequired()],
    )
    model_of_interest = StringField(
        "Which car are you curious about? (optional)", validators=[Optional(), Length(max=120)]
    )
    consent_contact = BooleanField("I'm happy for the team to contact me about this, and only this")


class StageForm(PortalForm):
    """Move a referral along the pipeline (a purchase has its own form)."""

    stage = SelectField(
        "Stage", choices=[SelectChoice(stage.value, STAGE_LABELS[stage]) for stage in MANUAL_STAGES]
    )
    note = TextAreaField("Working note", validators=[Optional(), Length(max=2000)])


class PurchaseForm(PortalForm):
    """The friend bought a car: which one."""

    vin = StringField("VIN of the car sold", validators=[DataRequired(), Length(max=32)])
    make = StringField("Make", validators=[DataRequired(), Length(max=60)])
    model = StringField("Model", validators=[DataRequired(), Length(max=60)])
    year = IntegerField("Model year", validators=[InputRequired(), NumberRange(1950, 2100)])
    purchase_date = DateField("Purchase date", validators=[InputRequired()])


_tier_name = Length(min=1, max=40, message="Give the tier a name (up to 40 characters).")
_threshold = NumberRange(1, 1000)


class ReferralSettingsForm(PortalForm):
    """Points per stage, the tier ladder, and the thank-you letter."""

    points_contacted = IntegerField("Points when contacted", validators=[NumberRange(0, 100000)])
    points_test_drive = IntegerField("Points for a test drive", validators=[NumberRange(0, 100000)])
    points_purchased = IntegerField("Points for a purchase", validators=[NumberRange(0, 100000)])
    points_event_attendance = IntegerField(
        "Points for coming to an event", validators=[NumberRange(0, 100000)]
    )
    points_per_visit = IntegerField(
        "Points for a service visit", validators=[NumberRange(0, 100000)]
    )
    points_per_dollar = IntegerField(
        "Points per dollar spent on a visit", validators=[NumberRange(0, 1000)]
    )
    tier_0_name = StringField("First tier", validators=[_tier_name])
    tier_1_name = StringField("Second tier", validators=[_tier_name])
    tier_2_name = StringField("Third tier (ambassador)", validators=[_tier_name])
    tier_3_name = StringField("Top tier", validators=[_tier_name])
    tier_1_threshold = IntegerField("Purchases for the second tier", validators=[_threshold])
    tier_2_threshold = IntegerField("Purchases for the third tier", validators=[_threshold])
    tier_3_threshold = IntegerField("Purchases for the top tier", validators=[_threshold])
    thank_you_subject = StringField(
        "Thank-you subject", validators=[DataRequired(), Length(max=200)]
    )
    thank_you_template = TextAreaField(
        "Thank-you letter", validators=[DataRequired(), Length(max=5000)]
    )
    thank_you_manager_name = StringField("Signed by", validators=[DataRequired(), Length(max=120)])
