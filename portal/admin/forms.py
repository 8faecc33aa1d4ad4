"""Forms of the admin area."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.accounts.models import Role
from portal.admin.services import MAX_NOTE_LENGTH

MAX_IMPORT_BYTES = 20 * 1024 * 1024
STAFF_ROLES = [
    SelectChoice(Role.COORDINATOR.value, "Coordinator"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]


class NoteForm(FlaskForm):
    """A staff note on an owner."""

    body = TextAreaField(
        "Add a note for the team",
        validators=[DataRequired(message="Write something first."), Length(max=MAX_NOTE_LENGTH)],
    )


class ImportUploadForm(FlaskForm):
    """The dealer-management-system export to preview."""

    file = FileField(
        "CSV export",
        validators=[
            FileRequired(message="Choose the CSV file to import."),
            FileAllowed(["csv", "txt"], message="Upload a .csv file."),
            FileSize(MAX_IMPORT_BYTES, message="The file is larger than 20 MB; split it."),
        ],
    )


class StaffForm(FlaskForm):
    """A new coordinator or admin."""

    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work email", validators=[DataRequired(), Email(message="Enter a full email address.")]
    )
    role = SelectField("Role", choices=STAFF_ROLES, default=Role.COORDINATOR.value)


class RoleForm(FlaskForm):
    """Change a member of staff's role; "owner" removes their staff access."""

    role = SelectField(
        "Role", choices=[*STAFF_ROLES, SelectChoice(Role.OWNER.value, "Not staff (owner)")]
    )


class DealershipForm(FlaskForm):
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
