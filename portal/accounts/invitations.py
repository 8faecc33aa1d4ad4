"""Invitations to claim an account the dealership created (after a purchase or an import)."""

from flask import render_template, url_for

from portal.accounts.models import User
from portal.accounts.services import password_fingerprint
from portal.mail import current_mailer
from portal.security import sign

#: Claim links last longer than reset links: people open them when the new car is home.
CLAIM_LINK_MAX_AGE = 30 * 24 * 3600


def claim_link(user: User) -> str:
    """A signed, single-use link that lets the person set their first password."""
    token = sign("claim-account", {"uid": user.id, "fp": password_fingerprint(user)})
    return url_for("accounts.claim_account", token=token, _external=True)


def send_claim_invitation(user: User, cars: list[str], reason: str) -> None:
    """Email the invitation; `cars` are labels already in their garage, `reason` says why now."""
    link = claim_link(user)
    context = {"user": user, "link": link, "cars": cars, "reason": reason}
    current_mailer().send(
        user.email,
        "Your Owners Club account is ready",
        render_template("email/claim_account.txt", **context),
        render_template("email/claim_account.html", **context),
    )
