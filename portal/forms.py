"""Forms every domain shares, and the base class that keeps hostile input out of all of them.

Every form in the portal is a `PortalForm`. Its fields get checks no one has to remember:
text and uploaded files' names refuse control characters (PostgreSQL refuses NUL outright,
and the others have no business in a name or a note), email fields refuse what is longer than
any address, numbers stay within what a database
integer holds, and dates stay within years the date arithmetic downstream can handle.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from flask import current_app, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup, escape
from wtforms import (
    DateTimeField,
    DecimalField,
    EmailField,
    FileField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import StopValidation

from portal.db import DATABASE_INT_MAX, DATABASE_INT_MIN

#: Control characters (C0, DEL, C1). A multi-line field keeps tab, line feed and the
#: carriage return browsers send with every line break.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_MESSAGE = (
    "This contains invisible control characters (such as a null byte); please retype it."
)
FILE_NAME_MESSAGE = (
    "The file's name contains invisible control characters; rename the file and try again."
)

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}."
NUMBER_RANGE_MESSAGE = "That number is out of range; please check it."
#: The longest address mail can carry (RFC 5321: a path of 256 octets, angle brackets included).
MAX_EMAIL_LENGTH = 254
EMAIL_LENGTH_MESSAGE = (
    f"An email address has at most {MAX_EMAIL_LENGTH} characters; please check this one."
)


def refuse_control_characters(form, field) -> None:
    """Stop at once on text carrying control characters (tab and new lines in text areas)."""
    pattern = (
        CONTROL_CHARACTERS_MULTILINE if isinstance(field, TextAreaField) else CONTROL_CHARACTERS
    )
    if isinstance(field.data, str) and pattern.search(field.data):
        raise StopValidation(CONTROL_CHARACTERS_MESSAGE)


def refuse_overlong_email(form, field) -> None:
    """Stop at once on an email longer than any address, before the address check parses it
    character by character (about 35 ms of CPU for 100 KB, on every submission)."""
    if isinstance(field.data, str) and len(field.data) > MAX_EMAIL_LENGTH:
        raise StopValidation(EMAIL_LENGTH_MESSAGE)


def refuse_control_characters_in_file_names(form, field) -> None:
    """Stop at once on an uploaded file whose name carries control characters."""
    uploads = field.data if isinstance(field.data, list) else [field.data]
    names = [getattr(upload, "filename", None) or "" for upload in uploads]
    if any(CONTROL_CHARACTERS.search(name) for name in names):
        raise StopValidation(FILE_NAME_MESSAGE)


def refuse_non_finite(form, field) -> None:
    """Stop at once on NaN and infinity, which no range check can compare."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(NUMBER_RANGE_MESSAGE)


def within_database_range(form, field) -> None:
    """Stop a number no database integer holds, before anything computes with it.

    It runs last, so a field's own range message wins when there is one; it still stops
    the chain, so the form's `validate_<field>` methods never see the number.
    """
    if field.data is not None and not DATABASE_INT_MIN <= field.data <= DATABASE_INT_MAX:
        raise StopValidation(None if field.errors else NUMBER_RANGE_MESSAGE)


def within_date_range(form, field) -> None:
    """Stop a date far in the past or future, before anything adds days to it."""
    value = field.data.date() if isinstance(field.data, datetime) else field.data
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise StopValidation(None if field.errors else DATE_RANGE_MESSAGE)


def _guards(field) -> tuple[list, list]:
    """The checks to run before and after a field's own validators."""
    if isinstance(field, CSRFTokenField):
        return [], []
    if isinstance(field, EmailField):
        return [refuse_control_characters, refuse_overlong_email], []
    if isinstance(field, StringField):
        return [refuse_control_characters], []
    if isinstance(field, FileField):  # MultipleFileField too
        return [refuse_control_characters_in_file_names], []
    if isinstance(field, DecimalField):
        return [refuse_non_finite], [within_database_range]
    if isinstance(field, IntegerField):
        return [], [within_database_range]
    if isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
        return [], [within_date_range]
    return [], []


def csrf_hidden_input(field, **kwargs) -> Markup:
    """The CSRF token's hidden input, as WTForms writes it, without its general machinery.

    A list page renders one small form per row (check in, snooze, mark done), each with the
    token: WTForms' widget builds every attribute through `html_params`, about ten times the
    cost of this. Only `id` may be given (`id=False` leaves it out, as in WTForms); anything
    else goes to the ordinary widget.
    """
    field_id = kwargs.pop("id", field.id)
    if kwargs:
        return field.__class__.widget(field, id=field_id, **kwargs)
    id_attribute = f' id="{escape(field_id)}"' if field_id else ""
    return Markup(  # noqa: S704 - every value in it is escaped
        f'<input{id_attribute} name="{escape(field.name)}" type="hidden"'
        f' value="{escape(field._value())}">'
    )


# --- The CSRF token ------------------------------------------------------------------------

#: Flask-WTF's salt for the signed form of the session's token.
_CSRF_SALT = "wtf-csrf-token"


def kept_csrf_token() -> str:
    """The session's CSRF token as Flask-WTF signs it, for every page's layout and form.

    Flask-WTF signs the token afresh on every request; its tokens never expire here
    (`WTF_CSRF_TIME_LIMIT = None`), so the one signed for a session is kept and shown again,
    by the layout, by hand-written forms and by every `PortalForm` (one token per request,
    kept in `g` as Flask-WTF keeps its own). With a time limit set, Flask-WTF signs as before.
    """
    config = current_app.config
    name = config["WTF_CSRF_FIELD_NAME"]
    token = g.get(name)
    if token is None:
        if config["WTF_CSRF_TIME_LIMIT"] is not None:
            return generate_csrf()
        if name not in session:
            generate_csrf()  # Flask-WTF makes the session's token (after sign-in, say)
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        token = _signed_csrf_token(secret, session[name])
        setattr(g, name, token)  # where Flask-WTF keeps the request's token
    return token


@lru_cache(maxsize=4096)
def _signed_csrf_token(secret: str, raw: str) -> str:
    return URLSafeTimedSerializer(secret, salt=_CSRF_SALT).dumps(raw)


class _KeptTokenCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF for forms (it checks as before), showing the kept token."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return kept_csrf_token()


class PortalForm(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, plus the guards above on every field."""

    class Meta:
        csrf_class = _KeptTokenCSRF

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, CSRFTokenField):
                field.widget = csrf_hidden_input
            before, after = _guards(field)
            if before or after:
                # A new list: the unbound field's list is shared by every form instance.
                field.validators = [*before, *field.validators, *after]
            return field


class EmptyForm(PortalForm):
    """A form with only the CSRF token, for buttons that post."""
