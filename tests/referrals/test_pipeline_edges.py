"""The pipeline's edges: stages worth no points, a one-point stage, what a purchase hands back
to dispatch, the landing form's optional fields and the invite code's derivation. Each change
names one referral and one referrer; a second of each stays exactly as it was."""

import pytest
from sqlalchemy import select

from portal import clock
from portal.dealership.queries import dealership_profile
from portal.dealership.services import write_settings
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.referrals import services
from portal.referrals.models import Referral, Stage
from tests.referrals.purchases import LATER, NOW, purchase


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _lines() -> list[tuple]:
    return db.session.execute(
        select(PointsEntry.user_id, PointsEntry.idempotency_key, PointsEntry.points).order_by(
            PointsEntry.id
        )
    ).all()


def _notes(user) -> dict[str, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    return {row.key: row for row in rows}


# --- Stages that earn nothing, and the smallest stage that earns something ---------------------


@pytest.mark.parametrize(
    ("start", "stage"),
    [(Stage.TEST_DRIVE, Stage.LOST), (Stage.CONTACTED, Stage.INVITED), (Stage.LOST, Stage.INVITED)],
)
def test_a_stage_with_no_points_setting_moves_the_referral_and_credits_nobody(
    make_owner, make_referral, start, stage
):
    write_settings(db.session, {"referrals.points_contacted": 5})
    priya, sam = make_owner(), make_owner()
    moved, other = make_referral(priya, stage=start), make_referral(sam, stage=start)
    before = _lines()
    outcome = services.move_stage(db.session, referral=moved, stage=stage, now=LATER)
    db.session.commit()
    assert (outcome.points, outcome.notification_ids, outcome.new_owner) == (0, [], None)
    db.session.refresh(moved)
    db.session.refresh(other)
    assert (moved.stage, moved.stage_changed_at) == (stage, LATER)
    assert (other.stage, other.stage_changed_at) == (start, NOW)
    assert _lines() == before


def test_a_stage_worth_one_point_credits_that_point_to_the_referrer_only(make_owner, make_referral):
    write_settings(db.session, {"referrals.points_contacted": 1})
    priya, sam = make_owner(), make_owner()
    referral, sams = make_referral(priya), make_referral(sam)
    outcome = services.move_stage(db.session, referral=referral, stage=Stage.CONTACTED, now=LATER)
    db.session.commit()
    assert outcome.points == 1
    assert _lines() == [(priya.id, f"referral:{referral.id}:stage:contacted", 1)]
    db.session.refresh(sams)
    assert sams.stage == Stage.INVITED


# --- What a purchase hands back to dispatch -------------------------------------------------------


def test_an_invited_new_owner_adds_the_claim_to_the_referrers_messages(
    app, make_owner, make_referral
):
    priya, sam = make_owner(), make_owner()
    referral = make_referral(priya, email="jamie@example.net")
    make_referral(sam, email="alex@example.net")
    with app.test_request_context():  # the invitation links to the claim page
        outcome = purchase(referral, invite_new_owner=True)
    priyas = _notes(priya)
    [claim] = _notes(outcome.new_owner).values()
    assert sorted(priyas) == [f"referral:{referral.id}:thank-you", f"tier:{priya.id}:1"]
    assert sorted(outcome.notification_ids) == sorted(
        [claim.id] + [note.id for note in priyas.values()]
    )
    assert claim.created_at == LATER
    dealership = dealership_profile(db.session)["name"]
    assert "Congratulations on your 2025 Honda Accord.\n" in claim.body
    assert (
        f"We've set up your {dealership} Owners Club account with 2025 Honda Accord already "
        "in your garage." in claim.body
    )
    assert _notes(sam) == {}


def test_the_new_owners_password_is_hashed_the_way_the_app_is_configured(make_owner, make_referral):
    referral = make_referral(make_owner())
    friend = purchase(referral).new_owner
    # Random and unknown to anyone, but hashed with the method asked for.
    assert friend.password_hash.startswith("pbkdf2:sha256:1000$")


# --- The coordinator's step: a move and a note ---------------------------------------------------


def test_a_coordinators_move_returns_its_points_and_dates_only_that_referral(
    make_owner, make_referral
):
    priya = make_owner()
    referral, other = make_referral(priya), make_referral(priya)
    other.note = "Call back in June."
    db.session.commit()
    outcome = services.record_stage(
        db.session, referral=referral, stage=Stage.TEST_DRIVE, note=" Booked. ", now=LATER
    )
    db.session.commit()
    assert outcome.points == 25
    db.session.refresh(referral)
    db.session.refresh(other)
    assert (referral.stage, referral.stage_changed_at, referral.note) == (
        Stage.TEST_DRIVE,
        LATER,
        "Booked.",
    )
    assert (other.stage, other.stage_changed_at, other.note) == (
        Stage.INVITED,
        NOW,
        "Call back in June.",
    )


# --- The landing-page form's optional fields -----------------------------------------------------


def _submit(email, **values) -> Referral:
    fields = {
        "referrer": None,
        "name": "Jamie Fraser",
        "phone": None,
        "preferred_contact": "email",
        "model_of_interest": None,
        "consent_contact": True,
    } | values
    referral = services.submit_referral(db.session, email=email, now=LATER, **fields)
    db.session.commit()
    db.session.refresh(referral)
    return referral


@pytest.mark.parametrize(
    ("source", "kept"), [("whatsapp", "whatsapp"), ("qr", "qr"), ("fax", None), (None, None)]
)
def test_only_a_known_source_is_kept(app, source, kept):
    assert _submit("jamie@example.net", source=source).source == kept


def test_fields_left_out_are_stored_empty(app):
    referral = _submit("jamie@example.net")
    assert (referral.phone, referral.model_of_interest, referral.note) == (None, None, None)
    assert (referral.referrer_id, referral.vin, referral.owner_id) == (None, None, None)


# --- The invite code ------------------------------------------------------------------------------


def test_the_code_in_a_link_is_derived_the_same_way_in_every_release(make_owner):
    """Links already shared must keep working after an upgrade: a fixed seed and key give a
    fixed code (the first 24 bytes of the HMAC-SHA256 of "invite:<seed>", URL-safe base64)."""
    assert services._code_from_seed("seed", "key") == "m-ecCTTK2trvrs1RHI4s1z7SkuHcBh6Y"
