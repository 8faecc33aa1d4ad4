"""Password reset by email link: one use, and it signs every device out."""

import re

from tests.conftest import TEST_PASSWORD


def _reset_path(outbox) -> str:
    body = outbox()[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/reset-password/\S+)", body).group(1)


def test_reset_link_sets_a_new_password_and_works_once(app, client, make_owner, outbox):
    owner = make_owner()
    other_device = app.test_client()
    other_device.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})

    client.post("/forgot-password", data={"email": owner.email.upper()})
    path = _reset_path(outbox)
    new = {"password": "my new passphrase!", "confirm": "my new passphrase!"}
    assert client.post(path, data=new).status_code == 303

    assert other_device.get("/account/profile").status_code == 302
    signed_in = client.post("/login", data={"email": owner.email, "password": new["password"]})
    assert signed_in.status_code == 303
    again = client.get(path, follow_redirects=True)
    assert "expired or was already used" in again.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_and_no_mail(client, outbox):
    response = client.post(
        "/forgot-password", data={"email": "nobody@example.com"}, follow_redirects=True
    )
    assert "If an account uses that email" in response.get_data(as_text=True)
    assert outbox() == []


def test_claim_link_sets_first_password_and_signs_in(app, client, outbox):
    from portal import clock
    from portal.accounts.services.invitations import queue_claim_invitation
    from portal.accounts.services.members import create_invited_owner
    from portal.extensions import db
    from portal.notifications.dispatch import dispatch

    with app.test_request_context(base_url="http://localhost"):
        owner = create_invited_owner(
            db.session, name="Mei Chen", email="mei@example.com", hash_method="scrypt:1024:8:1"
        )
        invitation_id = queue_claim_invitation(
            db.session,
            owner,
            cars=["2024 Mazda CX-5"],
            reason="Thank you for buying.",
            dealership_name="Harbourside Motors",
            now=clock.now(),
        )
        db.session.commit()
        assert dispatch([invitation_id]).sent == 1
    body = outbox()[-1].get_body(preferencelist=("plain",)).get_content()
    assert "2024 Mazda CX-5" in body
    path = re.search(r"http://localhost(/welcome/\S+)", body).group(1)
    data = {"password": "mei's first password", "confirm": "mei's first password"}
    assert client.post(path, data=data).status_code == 303
    assert "Hello, Mei" in client.get("/").get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.email_verified_at is not None
    again = client.get(path, follow_redirects=True)
    assert "expired or was already used" in again.get_data(as_text=True)
