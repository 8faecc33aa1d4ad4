"""The staff's completed-visit form: a fixed number of rows for lines, advice and files."""

import re

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.forms import PortalForm

#: Rows the form offers; an empty row is ignored.
LINE_ROWS = 6
ADVICE_ROWS = 3
MEDIA_ROWS = 4
SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
LINE_KINDS = [SelectChoice("labour", "Labour"), SelectChoice("part", "Part")]


def _submission_token(form, field) -> None:
    if not SUBMISSION.fullmatch(field.data or ""):
        raise ValidationError("This form has expired; please open it again.")


class CompleteVisitForm(PortalForm):
    """What was done on a visit, what to do later, and the photos and clips to show."""

    submission = HiddenField(validators=[_submission_token])
    #: The service-lane booking this write-up completes, when it was opened from one.
    booking = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    mileage = IntegerField("Miles on the clock", validators=[Optional(), NumberRange(0, 2_000_000)])
    summary = TextAreaField(
        "What we did and why",
        validators=[Length(max=4000)],
    )
    # The service checks the code against the car's open recalls (a stale page may offer one
    # closed since), and each used line's kind.
    recall_code = SelectField(
        "Recall carried out", choices=[SelectChoice("", "None")], validate_choice=False
    )
    show_prices = BooleanField("Show the prices to the owner")

    def line_rows(self) -> list[dict]:
        """The line rows' fields, for the template."""
        return [
            {
                name: self[f"line_{n}_{name}"]
                for name in ("kind", "description", "quantity", "price")
            }
            for n in range(LINE_ROWS)
        ]

    def advice_rows(self) -> list[dict]:
        """The recommendation rows' fields, for the template."""
        return [
            {name: self[f"advice_{n}_{name}"] for name in ("what", "due_on", "due_miles")}
            for n in range(ADVICE_ROWS)
        ]

    def media_rows(self) -> list[dict]:
        """The file rows' fields, for the template."""
        return [
            {name: self[f"media_{n}_{name}"] for name in ("file", "alt")} for n in range(MEDIA_ROWS)
        ]


for _n in range(LINE_ROWS):
    setattr(
        CompleteVisitForm,
        f"line_{_n}_kind",
        SelectField("Kind", choices=LINE_KINDS, validate_choice=False),
    )
    setattr(
        CompleteVisitForm,
        f"line_{_n}_description",
        StringField("Work or part", validators=[Length(max=200)]),
    )
    setattr(
        CompleteVisitForm,
        f"line_{_n}_quantity",
        DecimalField("Hours or count", places=2, validators=[Optional(), NumberRange(0.01, 1000)]),
    )
    setattr(
        CompleteVisitForm,
        f"line_{_n}_price",
        DecimalField(
            "Unit price ($)", places=2, validators=[Optional(), NumberRange(0, 1_000_000)]
        ),
    )
for _n in range(ADVICE_ROWS):
    setattr(
        CompleteVisitForm,
        f"advice_{_n}_what",
        StringField("Recommendation", validators=[Length(max=200)]),
    )
    setattr(CompleteVisitForm, f"advice_{_n}_due_on", DateField("Due by", validators=[Optional()]))
    setattr(
        CompleteVisitForm,
        f"advice_{_n}_due_miles",
        IntegerField("Or at miles", validators=[Optional(), NumberRange(0, 2_000_000)]),
    )
for _n in range(MEDIA_ROWS):
    setattr(CompleteVisitForm, f"media_{_n}_file", FileField("Photo or clip"))
    setattr(
        CompleteVisitForm,
        f"media_{_n}_alt",
        StringField("What it shows", validators=[Length(max=200)]),
    )


class CarSearchForm(PortalForm):
    """Find a car by VIN, or its owner's name or email (a GET search)."""

    class Meta:
        csrf = False

    q = StringField("VIN, owner's name or email", validators=[InputRequired(), Length(2, 100)])


def _check_rows(form: CompleteVisitForm) -> bool:
    """Rows that are half filled in get a message next to the missing part."""
    ok = True
    for row in form.line_rows():
        if row["description"].data and row["quantity"].data is None:
            row["quantity"].errors.append("How many hours, or how many parts?")
            ok = False
    for row in form.advice_rows():
        has_due = row["due_on"].data is not None or row["due_miles"].data is not None
        if row["what"].data and not has_due:
            row["due_on"].errors.append("Give a date or a mileage it is due by.")
            ok = False
        if has_due and not row["what"].data:
            row["what"].errors.append("Say what is recommended.")
            ok = False
    for row in form.media_rows():
        if row["file"].data and not (row["alt"].data or "").strip():
            row["alt"].errors.append("Say what it shows, for owners using a screen reader.")
            ok = False
    return ok


def validate_visit_form(form: CompleteVisitForm) -> bool:
    """The form's own checks, then the rows' (on a POST only)."""
    if not form.validate_on_submit():
        return False
    return _check_rows(form)
