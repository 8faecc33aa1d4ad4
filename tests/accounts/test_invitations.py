"""Claim invitations travel as notifications: queued once, retried when a send fails."""

import re

from portal import clock
from portal.accounts.services.invitations import queue_claim_invitation
from portal.accounts.services.members import create_invited_owner
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification


def _invite(app, email="kenji@example.com"):
    with app.test_request_context(base_url="http://localhost"):
        owner = create_invited_owner(
            db.session, name="Kenji Tanaka", email=email, hash_method="scrypt:1024:8:1"
        )
        first = queue_claim_invitation(
            db.session,
            owner,
            cars=["2023 Subaru Outback"],
            reason="Thank you for choosing us.",
            dealership_name="Harbourside Motors",
            now=clock.now(),
        )
        again = queue_claim_invitation(
            db.session,
            owner,
            cars=["2023 Subaru Outback"],
            reason="Thank you for choosing us.",
            dealership_name="Harbourside Motors",
            now=clock.now(),
        )
        db.session.commit()
    return owner, first, again


def test_an_invitation_is_queued_once(app):
    _owner, first, again = _invite(app)
    assert first is not None and again is None


def test_failed_invitation_is_kept_and_sent_on_the_next_run(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    _owner, invitation_id, _ = _invite(app)
    assert dispatch([invitation_id]).failed == 1
    assert db.session.get(Notification, invitation_id).status == DeliveryStatus.FAILED
    app.config.update(MAIL_PORT=smtp_server.port)
    assert dispatch().sent == 1
    [message] = smtp_server.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Kenji" in text and "2023 Subaru Outback" in text
    assert re.search(r"http://localhost/welcome/\S+", text)
