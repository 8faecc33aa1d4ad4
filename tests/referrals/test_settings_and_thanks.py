"""Referral settings and the thank-you template."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.dealership.models import Setting
from portal.errors import ServiceError
from portal.extensions import db
from portal.referrals.queries import load_tiers
from portal.referrals.rules import check_template, render_thanks


def _settings_form(**overrides) -> dict:
    data = {
        "points_contacted": "0",
        "points_test_drive": "30",
        "points_purchased": "750",
        "tier_0_name": "Member",
        "tier_1_name": "Friend of the club",
        "tier_2_name": "Ambassador",
        "tier_3_name": "Patron",
        "tier_1_threshold": "1",
        "tier_2_threshold": "2",
        "tier_3_threshold": "5",
        "thank_you_subject": "Thanks for {friend_first_name}",
        "thank_you_template": "Dear {first_name}, thank you. {manager_name}",
        "thank_you_manager_name": "Dana Whitfield",
    }
    data.update(overrides)
    return data


def test_an_admin_changes_points_tiers_and_the_letter(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    assert client.get("/admin/referrals/settings").status_code == 200
    response = client.post("/admin/referrals/settings", data=_settings_form())
    assert response.status_code == 303
    tiers = load_tiers(db.session)
    assert tiers.names[1] == "Friend of the club" and tiers.thresholds == [0, 1, 2, 5]
    stored = {key: value for key, value in db.session.execute(select(Setting.key, Setting.value))}
    assert stored["referrals.points_purchased"] == 750


def test_unknown_placeholders_and_unordered_tiers_are_refused(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    response = client.post(
        "/admin/referrals/settings", data=_settings_form(thank_you_template="Hi {frist_name}")
    )
    assert response.status_code == 422
    assert "Unknown placeholder: {frist_name}" in response.get_data(as_text=True)
    response = client.post("/admin/referrals/settings", data=_settings_form(tier_3_threshold="2"))
    assert response.status_code == 422
    assert "Each tier needs more purchases" in response.get_data(as_text=True)


def test_the_template_cannot_reach_into_values():
    values = {"first_name": "Priya", "manager_name": "Dana"}
    assert render_thanks("Dear {first_name}, from {manager_name}", values) == (
        "Dear Priya, from Dana"
    )
    # Attribute access would expose internals; the letter is sent unfilled instead.
    assert render_thanks("{first_name.__class__}", values) == "{first_name.__class__}"
    assert render_thanks("Hi {unknown}", values) == "Hi {unknown}"


def test_check_template_reports_broken_braces():
    import pytest

    from portal.errors import ServiceError

    with pytest.raises(ServiceError, match="curly braces"):
        check_template("Dear {first_name")


HOSTILE_PLACEHOLDERS = [
    "{first_name:>50000000}",  # a format spec: 50 MB of padding
    "{first_name!r}",  # a conversion
    "{first_name.__class__}",  # attribute access
    "{first_name[0]}",  # index access
    "{0}",  # positional
    "{}",
]


@pytest.mark.parametrize("placeholder", HOSTILE_PLACEHOLDERS)
def test_only_plain_placeholders_are_accepted(placeholder):
    with pytest.raises(ServiceError, match="plain name such as"):
        check_template(f"Dear {placeholder}")


@pytest.mark.parametrize("placeholder", HOSTILE_PLACEHOLDERS)
def test_rendering_refuses_anything_but_plain_placeholders(placeholder):
    template = f"Dear {placeholder}, from {{manager_name}}"
    assert render_thanks(template, {"first_name": "Priya", "manager_name": "Dana"}) == template


@pytest.mark.parametrize(
    ("field", "placeholder"),
    [("thank_you_template", "{first_name:>50000000}"), ("thank_you_subject", "{points!r}")],
)
def test_an_admin_saving_a_format_spec_sees_why_next_to_the_field(
    client, login, make_user, field, placeholder
):
    login(make_user(role=Role.ADMIN))
    response = client.post("/admin/referrals/settings", data=_settings_form(**{field: placeholder}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The message sits with the field it is about.
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert "plain name such as {first_name}" in error
