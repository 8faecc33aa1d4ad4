"""Forms for signing up, signing in, passwords and the profile."""

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.accounts.models import CHANNEL_LABELS, Role
from portal.accounts.services.members import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.accounts.services.staff import MAX_NOTE_LENGTH
from portal.forms import PortalForm

_password_length = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=f"Use at least {MIN_PASSWORD_LENGTH} characters; a short phrase is easiest.",
)


def _email(label: str = "Email") -> EmailField:
    """A required, well-formed email address."""
    return EmailField(
        label, validators=[DataRequired(), Email(message="Enter a full email address.")]
    )


def _new_password(label: str) -> tuple[PasswordField, PasswordField]:
    """A new password and the same typed again (assign to `password, confirm`)."""
    return (
        PasswordField(label, validators=[DataRequired(), _password_length]),
        PasswordField(
            f"{label} again",
            validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        ),
    )


class RegisterForm(PortalForm):
    """A new owner's account."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = _email()
    password, confirm = _new_password("Password")


class LoginForm(PortalForm):
    """Email and password, with an optional remembered browser."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this device for 30 days")
    next = HiddenField()


class ForgotPasswordForm(PortalForm):
    """Ask for a reset link."""

    email = _email()


class ResetPasswordForm(PortalForm):
    """Choose a new password from a reset link."""

    password, confirm = _new_password("New password")


class ChangePasswordForm(PortalForm):
    """Change the password while signed in."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    password, confirm = _new_password("New password")


class ProfileForm(PortalForm):
    """What the owner tells the dealership about themselves, and what they agree to."""

    display_name = StringField("What should we call you?", validators=[Optional(), Length(max=60)])
    phone = TelField("Phone", validators=[Optional(), Length(max=32)])
    preferred_channel = RadioField(
        "How would you like to hear from us?",
        choices=[SelectChoice(value.value, label) for value, label in CHANNEL_LABELS.items()],
        validators=[DataRequired()],
    )
    birthday = DateField("Birthday (optional)", validators=[Optional()])
    birthday_messages = BooleanField("Send me a note on my birthday and my car's anniversary")
    consent_service = BooleanField("Service reminders, warranty notices and recalls")
    consent_event_invites = BooleanField(
        "Invitations to clinics, launches and owners' events, and a reminder the day before"
        " one you're going to"
    )
    consent_recognition = BooleanField("Thank me publicly on the ambassadors' wall")


STAFF_ROLES = [
    SelectChoice(Role.COORDINATOR.value, "Coordinator"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]


class NoteForm(PortalForm):
    """A staff note on an owner."""

    body = TextAreaField(
        "Add a note for the team",
        validators=[DataRequired(message="Write something first."), Length(max=MAX_NOTE_LENGTH)],
    )


class StaffForm(PortalForm):
    """A new coordinator or admin."""

    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = _email("Work email")
    role = SelectField("Role", choices=STAFF_ROLES, default=Role.COORDINATOR.value)


class RoleForm(PortalForm):
    """Change a member of staff's role; "owner" removes their staff access."""

    role = SelectField(
        "Role", choices=[*STAFF_ROLES, SelectChoice(Role.OWNER.value, "Not staff (owner)")]
    )
