"""The profile: contact preferences, consents, and what the dealership knows."""

from portal.extensions import db

PROFILE = {
    "display_name": "Sam",
    "phone": "(202) 555-0142",
    "preferred_channel": "sms",
    "birthday": "1988-02-29",
    "birthday_messages": "y",
    "consent_service": "y",
    "consent_recognition": "y",
}


def test_profile_saves_phone_in_international_form_and_consents(client, make_owner, login):
    owner = make_owner(name="Samuel Okafor")
    login(owner)
    response = client.post("/account/profile", data=PROFILE)
    assert response.status_code == 303
    db.session.refresh(owner)
    assert owner.phone == "+12025550142"
    assert owner.preferred_channel == "sms"
    assert owner.birthday.isoformat() == "1988-02-29"
    assert owner.birthday_messages is True
    assert owner.consent_service is True
    assert owner.consent_event_invites is False
    assert owner.consent_recognition is True
    assert "Hello, Sam" in client.get("/").get_data(as_text=True)


def test_invalid_phone_is_refused_next_to_the_field_and_nothing_changes(client, make_owner, login):
    owner = make_owner()
    login(owner)
    response = client.post("/account/profile", data=dict(PROFILE, phone="12"))
    page = response.get_data(as_text=True)
    assert 'id="phone-error"' in page
    db.session.refresh(owner)
    assert owner.phone is None
    assert owner.display_name is None


def test_text_messages_need_a_phone_number(client, make_owner, login):
    owner = make_owner()
    login(owner)
    response = client.post("/account/profile", data=dict(PROFILE, phone=""))
    assert "Add a phone number" in response.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.preferred_channel == "email"


def test_birthday_messages_need_a_birthday(client, make_owner, login):
    owner = make_owner()
    login(owner)
    client.post("/account/profile", data=dict(PROFILE, birthday=""))
    db.session.refresh(owner)
    assert owner.birthday_messages is False


def test_profile_shows_what_we_know(client, make_owner, login):
    owner = make_owner(name="Elena Novak", phone="+12025550199")
    login(owner)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "What Harbourside Motors knows about you" in page
    assert "<dd>(202) 555-0199</dd>" in page  # shown the way people write it at home
    assert "not confirmed yet" in page
    assert "1 device" in page


def test_every_profile_field_has_a_visible_label(client, make_owner, login):
    login(make_owner())
    page = client.get("/account/profile").get_data(as_text=True)
    for field_id in ("display_name", "phone", "birthday"):
        assert f'for="{field_id}"' in page
    # Checkboxes sit inside their label.
    assert '<input checked id="consent_service"' in page
    assert 'aria-describedby="None"' not in page


def test_phone_numbers_abroad_are_shown_in_international_form(app):
    from portal.templating import phone

    assert phone("+12025550199") == "(202) 555-0199"
    assert phone("+442079460958") == "+44 20 7946 0958"
    assert phone(None) == ""


def test_a_remembered_phone_number_still_follows_the_home_region(app):
    """Formatting is remembered per number and home region: changing the region is seen."""
    from portal.templating import phone

    assert phone("+442079460958") == "+44 20 7946 0958"
    app.config["PORTAL_PHONE_REGION"] = "GB"
    assert phone("+442079460958") == "020 7946 0958"
    assert phone("+12025550199") == "+1 202-555-0199"
    assert phone("not a number") == "not a number"
