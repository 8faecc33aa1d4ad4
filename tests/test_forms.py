"""Every form refuses control characters, out-of-range numbers and dates, next to the field."""

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import Email, NumberRange, Optional, ValidationError

from portal import create_app
from portal.accounts.models import User
from portal.config import TestConfig
from portal.extensions import db
from portal.forms import (
    CONTROL_CHARACTERS_MESSAGE,
    DATE_RANGE_MESSAGE,
    EMAIL_LENGTH_MESSAGE,
    MAX_EMAIL_LENGTH,
    NUMBER_RANGE_MESSAGE,
    PortalForm,
    csrf_hidden_input,
)
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch
from portal.referrals import services as referral_services
from portal.referrals.models import Referral
from tests.conftest import TEST_PASSWORD

VALID_VIN = "1HGCM82633A004352"


class SampleForm(PortalForm):
    name = StringField(validators=[Optional()])
    note = TextAreaField(validators=[Optional()])
    count = IntegerField(validators=[Optional()])
    ranged = IntegerField(validators=[Optional(), NumberRange(1, 10)])
    ratio = DecimalField(validators=[Optional()])
    day = DateField(validators=[Optional()])

    def validate_ranged(self, field):
        # Would raise OverflowError on 10**30 if it ever ran.
        date(2000, 1, field.data)
        if field.data > 31:
            raise ValidationError("unreachable")


@pytest.fixture(scope="module")
def form_app():
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI="sqlite://", WTF_CSRF_ENABLED=False)
    return create_app(config)


def errors_for(form_app, **data) -> dict:
    with form_app.test_request_context(method="POST"):
        form = SampleForm(formdata=MultiDict(data))
        form.validate()
        return form.errors


@pytest.mark.parametrize(
    "value", ["Sam\x00", "\x00", "a\x1b[31mred", "tab\there", "two\nlines", "\x85"]
)
def test_single_line_text_refuses_control_characters(form_app, value):
    assert errors_for(form_app, name=value) == {"name": [CONTROL_CHARACTERS_MESSAGE]}


def test_only_whitespace_control_characters_are_still_refused(form_app):
    # `Optional()` treats "\x0b" as blank and would clear every error; the check runs first.
    assert errors_for(form_app, name="\x0b") == {"name": [CONTROL_CHARACTERS_MESSAGE]}


@pytest.mark.parametrize(
    "value",
    ["Crème brûlée 🚗👨‍👩‍👧", "مرحبا بالعالم \u200f", "=cmd|' /C calc'!A0", "x" * 100_000],
)
def test_ordinary_unicode_and_long_text_pass_the_check(form_app, value):
    assert "name" not in errors_for(form_app, name=value)


def test_text_areas_keep_tabs_and_line_breaks_but_not_nul(form_app):
    assert errors_for(form_app, note="one\r\ntwo\n\tthree") == {}
    assert errors_for(form_app, note="one\r\n\x00") == {"note": [CONTROL_CHARACTERS_MESSAGE]}


@pytest.mark.parametrize("value", [str(10**30), str(-(10**30)), "2147483648"])
def test_numbers_past_a_database_integer_are_a_field_error(form_app, value):
    assert errors_for(form_app, count=value) == {"count": [NUMBER_RANGE_MESSAGE]}


def test_a_fields_own_range_message_wins_and_inline_validators_never_see_the_number(form_app):
    errors = errors_for(form_app, ranged=str(10**30))
    assert errors == {"ranged": ["Number must be between 1 and 10."]}


def test_largest_database_integer_is_accepted(form_app):
    assert errors_for(form_app, count="2147483647") == {}


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf", str(10**30)])
def test_decimals_must_be_finite_and_in_range(form_app, value):
    assert errors_for(form_app, ratio=value) == {"ratio": [NUMBER_RANGE_MESSAGE]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "Not a valid date value."),
        ("9999-12-31", DATE_RANGE_MESSAGE),
        ("0001-01-01", DATE_RANGE_MESSAGE),
        ("-2026-01-01", "Not a valid date value."),
    ],
)
def test_impossible_and_far_off_dates_are_field_errors(form_app, value, message):
    assert errors_for(form_app, day=value) == {"day": [message]}


# --- Through the real pages, on SQLite and PostgreSQL -----------------------------------


def test_nul_in_the_login_email_is_a_message_not_a_crash(client, make_owner):
    owner = make_owner()
    response = client.post("/login", data={"email": owner.email + "\x00", "password": "x"})
    assert response.status_code in (200, 422)
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)


def test_nul_in_the_sign_up_name_is_refused(client):
    response = client.post(
        "/register",
        data={
            "name": "Sam\x00Okafor",
            "email": "sam@example.com",
            "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD,
        },
    )
    assert response.status_code in (200, 422)
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_nul_in_the_prospect_form_is_refused(app, client, make_owner):
    code = referral_services.invite_code_for(db.session, make_owner(), app.config["SECRET_KEY"])
    db.session.commit()
    response = client.post(
        f"/i/{code}",
        data={
            "name": "Robin\x00",
            "email": "robin@example.net",
            "preferred_contact": "email",
            "consent_contact": "y",
        },
    )
    assert response.status_code == 422
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0


def test_nul_in_a_car_nickname_is_refused(client, make_owner, login):
    login(make_owner())
    response = client.post(
        "/garage/add", data={"vin": VALID_VIN, "model": "Accord", "nickname": "Blue\x00"}
    )
    assert response.status_code == 422
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


def test_nul_in_the_display_name_is_refused(client, make_owner, login):
    owner = make_owner()
    login(owner)
    response = client.post(
        "/account/profile", data={"display_name": "Sammy\x00", "preferred_channel": "email"}
    )
    assert response.status_code in (200, 422)
    assert CONTROL_CHARACTERS_MESSAGE in response.get_data(as_text=True)
    assert db.session.get(User, owner.id).display_name is None


def test_an_upload_whose_name_carries_nul_is_refused(client, as_admin):
    sample = client.get("/admin/imports/sample.csv").get_data()
    response = client.post("/admin/imports", data={"file": (BytesIO(sample), "owners\x00.csv")})
    assert response.status_code == 422
    assert "rename the file" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


@pytest.mark.parametrize("kwargs", [{}, {"id": False}, {"id": "token-2"}, {"class_": "x"}])
def test_the_csrf_field_renders_as_wtforms_would(kwargs):
    """The quick CSRF widget writes what WTForms' hidden input writes, attribute for attribute."""
    from wtforms.widgets import HiddenInput

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI="sqlite://", WTF_CSRF_ENABLED=True)
    app = create_app(config)
    with app.test_request_context():
        field = SampleForm().csrf_token
        assert field.widget is csrf_hidden_input
        assert str(field(**kwargs)) == str(HiddenInput()(field, **kwargs))
        assert field._value() in str(field(**kwargs))


def test_an_email_longer_than_any_address_is_refused_before_the_address_check(client, monkeypatch):
    """The address check parses a value character by character (tens of milliseconds for
    100 KB): a longer value than any address stops before it, with its own message."""
    import email_validator

    checked = []
    real = email_validator.validate_email
    monkeypatch.setattr(
        email_validator,
        "validate_email",
        lambda value, **kw: checked.append(value) or real(value, **kw),
    )
    response = client.post(
        "/register",
        data={"name": "Sam", "email": "s" * 100_000 + "@example.com", "password": TEST_PASSWORD},
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert EMAIL_LENGTH_MESSAGE.replace("'", "&#39;") in page
    assert checked == []
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_address_of_the_longest_length_still_reaches_the_address_check(form_app):
    class EmailForm(PortalForm):
        email = EmailField(validators=[Email()])

    longest = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 57]) + ".com"
    assert len(longest) == MAX_EMAIL_LENGTH
    with form_app.test_request_context(method="POST"):
        form = EmailForm(formdata=MultiDict({"email": longest}))
        form.validate()
        assert EMAIL_LENGTH_MESSAGE not in form.errors.get("email", [])


def test_an_import_refuses_an_overlong_email_without_parsing_it(monkeypatch):
    from portal.imports import rules
    from tests.imports.conftest import dms_row

    monkeypatch.setattr(rules, "validate_email", lambda *a, **kw: pytest.fail("parsed"))
    row = rules.parse_row(2, dms_row(1, email="x" * 100_000 + "@example.com"), "US", date.today())
    assert any(error.startswith("email ") for error in row.errors)
