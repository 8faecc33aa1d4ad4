"""The invite landing's form, written out in its template: the same markup as the form macros
draw, fresh and after a failed post, with every value escaped; and the page's statements."""

import re

import pytest
from flask import render_template, render_template_string
from werkzeug.datastructures import MultiDict

from portal.referrals.forms import CONTACT_CHOICES, LandingForm

#: The fields as `macros/forms.html` draws them: what the template's markup must equal.
MACRO_FORM = """{% from "macros/forms.html" import field, form_errors %}
<form method="post" novalidate>
  {{ form.csrf_token }}
  {{ form_errors(form) }}
  {{ field(form.name, autocomplete="name") }}
  {{ field(form.email, autocomplete="email") }}
  {{ field(form.phone, autocomplete="tel") }}
  {{ field(form.preferred_contact) }}
  {{ field(form.model_of_interest, hint=hint) }}
  {{ field(form.consent_contact) }}
  <button type="submit" class="button">Send my details</button>"""

HINT = "A model, or just 'something electric for the school run'."
HOSTILE = '"><script>alert(1)</script>'


def _form_markup(html: str) -> str:
    """The page's form up to its button, whitespace between and inside tags made one space."""
    start = html.index('<form method="post" novalidate>')
    end = html.index("</button>", start) + len("</button>")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html[start:end]))


def _both(app, formdata: dict | None) -> tuple[str, str]:
    """(the landing template's form, the macros' form) for the same submitted data."""
    method = "POST" if formdata is not None else "GET"
    with app.test_request_context("/i/some-code", method=method):
        form = LandingForm(formdata=MultiDict(formdata) if formdata is not None else None)
        if formdata is not None:
            form.validate()
        page = render_template(
            "referrals/landing.html",
            form=form,
            referrer_first_name=None,
            events=[],
            event_url=None,
            contact_choices=CONTACT_CHOICES,
        )
        macros = render_template_string(MACRO_FORM, form=form, hint=HINT)
    return _form_markup(page), _form_markup(macros)


@pytest.mark.parametrize(
    "formdata",
    [
        pytest.param(None, id="fresh"),
        pytest.param(
            {
                "name": "",
                "email": f"not-an-email{HOSTILE}",
                "phone": "1" * 40,
                "preferred_contact": "fax",
                "model_of_interest": HOSTILE + "y" * 130,
                "consent_contact": "y",
            },
            id="every-field-wrong",
        ),
        pytest.param(
            {"name": HOSTILE, "email": "", "preferred_contact": "sms", "consent_contact": "yes"},
            id="one-field-wrong",
        ),
        pytest.param(
            {"name": "Jamie", "email": "jamie@example.net", "preferred_contact": "phone"},
            id="valid",
        ),
    ],
)
def test_written_out_fields_are_the_macros_markup(app, formdata):
    page, macros = _both(app, formdata)
    assert page == macros


def test_a_failed_post_is_422_with_each_error_next_to_its_field(client, make_owner, invite_code):
    code = invite_code(make_owner())
    response = client.post(
        f"/i/{code}",
        data={
            "name": "",
            "email": f"nope{HOSTILE}",
            "phone": "5" * 40,
            "preferred_contact": "email",
            "model_of_interest": HOSTILE,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="form-errors" role="alert">Please check the highlighted fields.</p>' in html
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', html)
    assert (
        '<input aria-describedby="name-error" aria-invalid="true" autocomplete="name" id="name"'
        ' maxlength="120" name="name" required type="text" value="">'
    ) in html
    assert '<p class="error" id="name-error">This field is required.</p>' in html
    assert 'value="nope&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert '<p class="error" id="email-error">Enter a full email address.</p>' in html
    assert 'id="phone-error">Field cannot be longer than 32 characters.</p>' in html
    escaped = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert (
        '<input aria-describedby="model_of_interest-hint" id="model_of_interest" maxlength="120"'
        f' name="model_of_interest" type="text" value="{escaped}">'
    ) in html
    assert '<input checked id="preferred_contact-0"' in html
    assert '<input id="consent_contact" name="consent_contact" type="checkbox" value="y">' in html
    assert "<script>alert(1)" not in html


def test_a_fresh_form_offers_email_first_and_no_errors(client):
    html = client.get("/i/unknown-code").get_data(as_text=True)
    radios = re.findall(r'<input( checked)? id="preferred_contact-(\d)"[^>]* value="(\w+)">', html)
    assert radios == [(" checked", "0", "email"), ("", "1", "phone"), ("", "2", "sms")]
    assert "has-error" not in html and 'class="error"' not in html and "aria-invalid" not in html
    assert '<p class="hint" id="model_of_interest-hint">' in html


def test_landing_greets_by_escaped_first_name_in_three_statements(
    client, make_owner, invite_code, make_event, count_queries
):
    from portal.events.models import Audience

    owner = make_owner(name="Priya Patel", display_name="<b>Pri</b>")
    event = make_event(title="Launch <night>", audience=Audience.PUBLIC)
    path = f"/i/{invite_code(owner)}"
    client.get(path)
    with count_queries() as statements:
        html = client.get(path).get_data(as_text=True)
    assert "<h1>&lt;b&gt;Pri&lt;/b&gt; thought you'd like to meet us</h1>" in html
    assert f'<li><a href="/events/{event.id}">Launch &lt;night&gt;</a>' in html
    # The owner behind the code (two columns), the events, the dealership's settings.
    assert len(statements) == 3, "\n".join(statements)
    (referrer,) = [sql for sql in statements if "invite_codes" in sql]
    assert "password_hash" not in referrer


def test_a_closed_account_no_longer_greets(client, make_owner, invite_code):
    from portal import clock
    from portal.extensions import db

    owner = make_owner(name="Priya Patel")
    code = invite_code(owner)
    owner.deactivated_at = clock.now()
    db.session.commit()
    html = client.get(f"/i/{code}").get_data(as_text=True)
    assert "Priya" not in html and "Welcome to" in html
