"""Attribution: the first referrer wins; owners, known prospects and the referrer are refused."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.referrals.models import Referral


def _submit(client, code, email, **overrides):
    data = {
        "name": "Jamie Fraser",
        "email": email,
        "preferred_contact": "email",
        "model_of_interest": "Hybrid estate",
        "consent_contact": "y",
    }
    data.update(overrides)
    return client.post(f"/i/{code}", data=data)


def _referral_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def test_self_referral_is_refused_with_a_clear_message(client, make_owner, invite_code):
    owner = make_owner(email="priya@example.com")
    response = _submit(client, invite_code(owner), "Priya@Example.com ")
    assert response.status_code == 422
    assert "the email of the owner who shared this link" in response.get_data(as_text=True)
    assert _referral_count() == 0


def test_an_existing_owners_email_is_not_a_new_referral(client, make_owner, invite_code):
    referrer = make_owner()
    make_owner(email="sam@example.com")
    response = _submit(client, invite_code(referrer), "sam@example.com")
    assert response.status_code == 422
    assert "already belongs to an Owners Club member" in response.get_data(as_text=True)
    assert _referral_count() == 0


def test_the_first_referrer_wins_and_a_known_prospect_is_not_stored_again(
    client, make_owner, invite_code
):
    first, second = make_owner(), make_owner()
    assert _submit(client, invite_code(first), "jamie@example.net").status_code == 303
    response = _submit(client, invite_code(second), "JAMIE@example.net", name="Jamie F")
    assert response.status_code == 422
    assert "We already have your details" in response.get_data(as_text=True)
    assert db.session.scalars(select(Referral.referrer_id)).all() == [first.id]


def test_consent_to_be_contacted_is_required(client, make_owner, invite_code):
    response = _submit(client, invite_code(make_owner()), "jamie@example.net", consent_contact="")
    assert response.status_code == 422
    assert "Tick the box so the team may contact you." in response.get_data(as_text=True)
    assert _referral_count() == 0


def test_an_invalid_phone_number_is_refused_next_to_the_field(client, make_owner, invite_code):
    response = _submit(client, invite_code(make_owner()), "jamie@example.net", phone="12")
    assert response.status_code == 422
    assert 'id="phone-error"' in response.get_data(as_text=True)
