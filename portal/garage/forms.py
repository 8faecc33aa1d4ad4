"""Garage forms: a car's details, odometer readings, service visits, cover, retiring."""

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.garage.models import RetiredReason
from portal.garage.rules import MAX_MILES

_MILES = NumberRange(min=0, max=MAX_MILES, message="Enter miles as a whole number, 0 or more.")


class VehicleForm(PortalForm):
    """Add or edit a car; make and year may be left for the VIN to fill in."""

    vin = StringField(
        "VIN (vehicle identification number)", validators=[DataRequired(), Length(max=24)]
    )
    make = StringField("Make", validators=[Optional(), Length(max=60)])
    model = StringField("Model", validators=[DataRequired(), Length(max=60)])
    trim = StringField("Trim (optional)", validators=[Optional(), Length(max=60)])
    year = IntegerField(
        "Model year",
        validators=[Optional(), NumberRange(min=1900, max=2100, message="Enter a year.")],
    )
    colour = StringField("Colour (optional)", validators=[Optional(), Length(max=40)])
    nickname = StringField("Nickname (optional)", validators=[Optional(), Length(max=40)])
    purchase_date = DateField("Date you bought it (optional)", validators=[Optional()])
    purchase_odometer = IntegerField(
        "Miles when you bought it (optional)", validators=[Optional(), _MILES]
    )
    warranty_end_date = DateField("Warranty ends on (optional)", validators=[Optional()])
    warranty_miles = IntegerField(
        "Warranty ends at miles (optional)", validators=[Optional(), _MILES]
    )


class OdometerForm(PortalForm):
    """A new odometer reading."""

    read_on = DateField("Date", validators=[InputRequired(message="Enter the date.")])
    miles = IntegerField(
        "Miles", validators=[InputRequired(message="Enter the miles shown."), _MILES]
    )


class ServiceRecordForm(PortalForm):
    """A visit to a workshop."""

    performed_on = DateField("Date", validators=[InputRequired(message="Enter the date.")])
    miles = IntegerField("Miles (optional)", validators=[Optional(), _MILES])
    work_done = TextAreaField(
        "Work done", validators=[DataRequired(message="Tell us what was done."), Length(max=2000)]
    )
    where = RadioField(
        "Where",
        choices=[
            SelectChoice("dealership", "Here with us"),
            SelectChoice("elsewhere", "Another workshop"),
        ],
        default="dealership",
    )
    recall_code = StringField("Recall code (optional)", validators=[Optional(), Length(max=40)])

    def values(self) -> dict:
        """The visit as `add_service_record` takes it."""
        return {
            "performed_on": self.performed_on.data,
            "miles": self.miles.data,
            "work_done": self.work_done.data,
            "at_dealership": self.where.data == "dealership",
            "recall_code": self.recall_code.data,
        }


class ProtectionForm(PortalForm):
    """A protection product: extended warranty, tyre and wheel cover and the like."""

    name = StringField("What it is", validators=[DataRequired(), Length(max=100)])
    provider = StringField("Provider (optional)", validators=[Optional(), Length(max=100)])
    ends_on = DateField("Ends on (optional)", validators=[Optional()])
    ends_at_miles = IntegerField("Ends at miles (optional)", validators=[Optional(), _MILES])

    def values(self) -> dict:
        """The product as `add_protection_product` takes it."""
        return {name: self[name].data for name in ("name", "provider", "ends_on", "ends_at_miles")}


class RetireForm(PortalForm):
    """Move a car to the owner's past cars."""

    reason = RadioField(
        "What happened to it?",
        choices=[
            SelectChoice(RetiredReason.SOLD.value, "I sold it"),
            SelectChoice(
                RetiredReason.TRANSFERRED.value, "I passed it on (family, trade-in, gift)"
            ),
        ],
        validators=[InputRequired(message="Choose what happened to the car.")],
    )
