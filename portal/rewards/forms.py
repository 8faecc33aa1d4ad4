"""Forms for redeeming, the catalogue and fulfilment."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.rewards.models import CATEGORY_LABELS


class RedeemForm(PortalForm):
    """Redeem one reward; altruistic rewards ask which open charity drive gets the points."""

    drive = IntegerField("Which charity drive?", validators=[Optional()])
    #: One per rendered card: submitting the same form twice redeems once.
    token = HiddenField(validators=[Optional(), Length(max=64)])


class RewardForm(PortalForm):
    """A reward in the catalogue."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("What the owner gets", validators=[Optional(), Length(max=2000)])
    category = SelectField(
        "Category",
        choices=[SelectChoice(value.value, label) for value, label in CATEGORY_LABELS.items()],
    )
    points_cost = IntegerField("Points", validators=[InputRequired(), NumberRange(1, 1_000_000)])
    min_tier = SelectField("Open from tier", coerce=int, choices=[])
    stock = IntegerField("How many are available", validators=[Optional(), NumberRange(0, 100_000)])
    available_from = DateField("Offered from", validators=[Optional()])
    available_until = DateField("Offered until (last day)", validators=[Optional()])
    event_id = SelectField("A seat at an event", coerce=int, choices=[], default=0)
    is_active = BooleanField("Show in the catalogue", default=True)


class FulfilForm(PortalForm):
    """Record that a reward was given."""

    fulfilled_on = DateField("Given on", validators=[InputRequired()])
    note = TextAreaField("Note for the owner", validators=[Optional(), Length(max=2000)])


class DeclineForm(PortalForm):
    """Decline a redemption; the points go back."""

    note = TextAreaField("Why (the owner will see this)", validators=[Optional(), Length(max=2000)])
