"""Forms for pledging to a drive and for running drives."""

import secrets
from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.charity.models import GoalKind, is_web_url
from portal.charity.rules import MAX_MESSAGE_LENGTH
from portal.forms import PortalForm

RECOGNITION_CHOICES = [
    SelectChoice("name", "Thank me by name on the honour roll"),
    SelectChoice("anonymous", "Count me anonymously"),
]


class PledgeForm(PortalForm):
    """An owner's pledge: how much, an optional message, named or anonymous."""

    amount = IntegerField(
        "Your pledge",
        validators=[
            InputRequired(message="Enter how much you'd like to pledge."),
            NumberRange(min=1, message="Enter a whole number of at least 1."),
        ],
    )
    message = TextAreaField(
        "A message for the team (optional)",
        validators=[
            Optional(),
            Length(
                max=MAX_MESSAGE_LENGTH,
                message=f"Please keep it to {MAX_MESSAGE_LENGTH} characters.",
            ),
        ],
    )
    recognition = RadioField(
        "On the honour roll", choices=RECOGNITION_CHOICES, validators=[DataRequired()]
    )
    #: Fresh in every rendered form: submitting the same form twice pledges once.
    token = HiddenField(
        default=lambda: secrets.token_urlsafe(24), validators=[Optional(), Length(max=64)]
    )

    def values(self, drive) -> dict:
        """The pledge as `record_pledge` takes it, in the drive's unit (dollars become cents)."""
        return {
            "amount": self.amount.data * (100 if drive.is_money else 1),
            "message": self.message.data,
            "show_name": self.recognition.data == "name",
            "request_token": self.token.data or None,
        }


class RecordPledgeForm(PledgeForm):
    """A pledge staff record for an owner (a gift handed over at the dealership)."""

    email = EmailField("Owner's email", validators=[DataRequired(), Length(max=254)])
    received = BooleanField("Already received")


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (no multi-select box to ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _web_url(form, field) -> None:
    if field.data and not is_web_url(field.data):
        raise ValidationError("Enter a full web address starting with https:// or http://.")


class DriveForm(PortalForm):
    """A drive as coordinators describe it."""

    name = StringField("Drive name", validators=[DataRequired(), Length(max=120)])
    beneficiary_name = StringField("Charity", validators=[DataRequired(), Length(max=120)])
    beneficiary_description = TextAreaField(
        "About the charity (one or two sentences)", validators=[Optional(), Length(max=300)]
    )
    beneficiary_url = URLField(
        "Charity's website", validators=[Optional(), Length(max=500), _web_url]
    )
    story = TextAreaField("The story", validators=[DataRequired(), Length(max=10_000)])
    goal_kind = RadioField(
        "What the drive collects",
        choices=[SelectChoice(GoalKind.MONEY, "Money"), SelectChoice(GoalKind.ITEMS, "Items")],
        default=GoalKind.MONEY,
        validators=[DataRequired()],
    )
    goal_amount = IntegerField(
        "Goal", validators=[InputRequired(), NumberRange(min=1, max=100_000_000)]
    )
    unit_label = StringField("Items are called", validators=[Length(max=40)])
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on", validators=[DataRequired()])
    match_ratio = DecimalField(
        "Dealership match per $1 or item owners give",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=10)],
    )
    match_cap = IntegerField(
        "Match up to (dollars or items)", validators=[Optional(), NumberRange(min=1)]
    )
    points_per_item = IntegerField(
        "Reward points per item", validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )
    #: Choices are the upcoming and recent events, set by the view.
    events = CheckboxesField("Linked events", coerce=int, choices=[])
    cover = FileField("Cover image (optional)")
    remove_cover = BooleanField("Remove the current cover image")

    def validate_unit_label(self, field) -> None:
        if self.goal_kind.data == GoalKind.ITEMS and not (field.data or "").strip():
            raise ValidationError("Say what the items are, e.g. toys or coats.")

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("The drive must end on or after the day it starts.")

    def values(self) -> dict:
        """The drive's columns from the form (dollars become cents)."""
        scale = 100 if self.goal_kind.data == GoalKind.MONEY else 1
        ratio = self.match_ratio.data or Decimal(0)
        return {
            "name": self.name.data.strip(),
            "beneficiary_name": self.beneficiary_name.data.strip(),
            "beneficiary_description": (self.beneficiary_description.data or "").strip() or None,
            "beneficiary_url": (self.beneficiary_url.data or "").strip() or None,
            "story": self.story.data.strip(),
            "goal_kind": self.goal_kind.data,
            "goal_amount": self.goal_amount.data * scale,
            "unit_label": (self.unit_label.data or "").strip() or None
            if self.goal_kind.data == GoalKind.ITEMS
            else None,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "match_percent": int(ratio * 100),
            "match_cap": self.match_cap.data * scale if self.match_cap.data else None,
            "points_per_item": self.points_per_item.data
            if self.goal_kind.data == GoalKind.ITEMS
            else None,
        }

    def fill_from(self, drive) -> None:
        """Show a stored drive in the form (cents become dollars)."""
        scale = 100 if drive.is_money else 1
        for name in ("name", "beneficiary_name", "beneficiary_description", "beneficiary_url",
                     "story", "goal_kind", "unit_label", "starts_on", "ends_on",
                     "points_per_item"):  # fmt: skip
            getattr(self, name).data = getattr(drive, name)
        self.goal_amount.data = drive.goal_amount // scale
        self.match_ratio.data = Decimal(drive.match_percent) / 100 if drive.match_percent else None
        self.match_cap.data = drive.match_cap // scale if drive.match_cap else None


class CharitySettingsForm(PortalForm):
    """The dealership's conversion rate for donated reward points."""

    points_per_dollar = IntegerField(
        "Reward points per dollar donated",
        validators=[InputRequired(), NumberRange(min=1, max=1_000_000)],
    )
