"""Fixtures for referrals: an owner's invite code, referrals at a stage, a coordinator."""

import pytest

from portal import clock
from portal.accounts.models import Role
from portal.extensions import db
from portal.referrals import services
from portal.referrals.models import Stage

#: A real VIN with a valid check digit.
VALID_VIN = "1HGCM82633A004352"


@pytest.fixture
def coordinator(make_user):
    return make_user(role=Role.COORDINATOR, name="Jordan Blake", email="jordan@dealer.example")


@pytest.fixture
def invite_code(app):
    """`invite_code(owner)`: the owner's current code, created if needed."""

    def code_for(owner) -> str:
        code = services.invite_code_for(db.session, owner, app.config["SECRET_KEY"])
        db.session.commit()
        return code

    return code_for


@pytest.fixture
def make_referral():
    """`make_referral(referrer, name=..., stage=...)`: a referral straight through the service."""
    counter = iter(range(1, 1_000_000))

    def factory(referrer, *, name: str | None = None, stage: Stage = Stage.INVITED, **kw):
        number = next(counter)
        referral = services.submit_referral(
            db.session,
            referrer=referrer,
            name=name or f"Friend Number{number}",
            email=kw.pop("email", f"friend{number}@example.net"),
            phone=None,
            preferred_contact="email",
            model_of_interest=kw.pop("model_of_interest", "Electric SUV"),
            consent_contact=True,
            now=clock.now(),
        )
        db.session.flush()
        if stage not in (Stage.INVITED, Stage.PURCHASED):
            services.move_stage(db.session, referral=referral, stage=stage, now=clock.now())
        db.session.commit()
        return referral

    return factory


from tests.events.conftest import make_event  # noqa: E402, F401 - events for the invite page
