"""Pipeline changes through the services: each moves, credits or promotes only the referral
and referrer it names; a second referral and a second referrer stay exactly as they were."""

from datetime import date

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import Role, User
from portal.dealership.queries import dealership_profile
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.referrals import services
from portal.referrals.models import InviteCode, Referral, Stage
from portal.referrals.queries import load_tiers
from tests.referrals.purchases import LATER, NOW, purchase, vin


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _purchase(referral, number=1, **options) -> services.StageOutcome:
    """The purchase with padded make and model, as staff might type them."""
    return purchase(referral, number, **{"make": " Honda ", "model": " Accord ", **options})


def _lines(owner) -> list[tuple]:
    return db.session.execute(
        select(PointsEntry.idempotency_key, PointsEntry.points, PointsEntry.reason)
        .where(PointsEntry.user_id == owner.id)
        .order_by(PointsEntry.id)
    ).all()


def _notes(owner) -> dict[str, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == owner.id))
    return {row.key: row for row in rows}


# --- Moving along the pipeline -----------------------------------------------------------------


def test_moving_one_referral_leaves_the_other_where_it_was(make_owner, make_referral):
    owner = make_owner()
    moved, other = make_referral(owner, name="Jamie Fraser"), make_referral(owner)
    outcome = services.move_stage(db.session, referral=moved, stage=Stage.TEST_DRIVE, now=LATER)
    db.session.commit()
    db.session.refresh(moved)
    db.session.refresh(other)
    assert (moved.stage, moved.stage_changed_at) == (Stage.TEST_DRIVE, LATER)
    assert (other.stage, other.stage_changed_at) == (Stage.INVITED, NOW)
    assert outcome.points == 25
    assert _lines(owner) == [
        (f"referral:{moved.id}:stage:test_drive", 25, "Jamie took a test drive")
    ]
    line = db.session.scalar(select(PointsEntry))
    assert (line.referral_id, line.created_at) == (moved.id, LATER)


def test_each_stage_credits_its_own_setting_once(make_owner, make_referral):
    write_settings(db.session, {"referrals.points_contacted": 5, "referrals.points_test_drive": 40})
    owner = make_owner()
    referral = make_referral(owner, name="Jamie Fraser")
    points = [
        services.move_stage(db.session, referral=referral, stage=stage, now=LATER).points
        for stage in (Stage.CONTACTED, Stage.TEST_DRIVE, Stage.CONTACTED, Stage.TEST_DRIVE)
    ]
    db.session.commit()
    assert points == [5, 40, 0, 0]
    assert [reason for _, _, reason in _lines(owner)] == [
        "Jamie said hello to the team",
        "Jamie took a test drive",
    ]
    assert points_balance(db.session, owner.id) == 45


def test_a_stage_worth_nothing_writes_no_line(make_owner, make_referral):
    owner = make_owner()
    referral = make_referral(owner)
    outcome = services.move_stage(db.session, referral=referral, stage=Stage.CONTACTED, now=LATER)
    assert outcome.points == 0
    assert _lines(owner) == []
    assert referral.stage == Stage.CONTACTED


def test_moving_to_the_stage_it_is_at_changes_nothing(make_owner, make_referral):
    referral = make_referral(make_owner(), stage=Stage.TEST_DRIVE)
    changed_at = referral.stage_changed_at
    outcome = services.move_stage(db.session, referral=referral, stage=Stage.TEST_DRIVE, now=LATER)
    assert (outcome.points, outcome.notification_ids) == (0, [])
    assert referral.stage_changed_at == changed_at


def test_an_unattributed_referral_earns_nobody_points(make_referral):
    referral = make_referral(None)
    assert (
        services.move_stage(db.session, referral=referral, stage=Stage.TEST_DRIVE, now=LATER).points
        == 0
    )
    assert db.session.scalars(select(PointsEntry)).all() == []


def test_a_purchase_cannot_be_chosen_as_a_stage(make_owner, make_referral):
    referral = make_referral(make_owner())
    with pytest.raises(ServiceError, match="with the VIN of the car sold") as refused:
        services.move_stage(db.session, referral=referral, stage=Stage.PURCHASED, now=LATER)
    assert refused.value.field == "stage"
    assert referral.stage == Stage.INVITED


@pytest.mark.parametrize("stage", [Stage.INVITED, Stage.CONTACTED, Stage.TEST_DRIVE, Stage.LOST])
def test_a_purchased_referral_stays_purchased(make_owner, make_referral, stage):
    referral = make_referral(make_owner(), stage=Stage.PURCHASED)
    with pytest.raises(ServiceError, match="bought a car") as refused:
        services.move_stage(db.session, referral=referral, stage=stage, now=LATER)
    assert refused.value.field == "stage"
    assert referral.stage == Stage.PURCHASED


def test_a_lost_friend_can_come_back(make_owner, make_referral):
    owner = make_owner()
    referral = make_referral(owner, stage=Stage.LOST)
    assert (
        services.move_stage(db.session, referral=referral, stage=Stage.TEST_DRIVE, now=LATER).points
        == 25
    )
    assert referral.stage == Stage.TEST_DRIVE


@pytest.mark.parametrize(
    ("note", "kept"), [("  Called, keen.  ", "Called, keen."), ("   ", None), (None, None)]
)
def test_the_coordinators_note_is_kept_trimmed(make_owner, make_referral, note, kept):
    referral = make_referral(make_owner())
    services.record_stage(
        db.session, referral=referral, stage=Stage.CONTACTED, note=note, now=LATER
    )
    assert (referral.stage, referral.note) == (Stage.CONTACTED, kept)


# --- A purchase ------------------------------------------------------------------------------


def test_a_purchase_sets_up_the_friend_and_credits_only_their_referrer(make_owner, make_referral):
    priya, sam = make_owner(name="Priya Patel"), make_owner(name="Sam Smith")
    bought = make_referral(priya, name="Jamie Fraser", email="jamie@example.net")
    bought.phone = "+12025550199"
    other = make_referral(priya)
    sams = make_referral(sam, stage=Stage.TEST_DRIVE)
    db.session.commit()
    outcome = _purchase(bought)
    friend = db.session.scalar(select(User).where(User.email == "jamie@example.net"))
    assert outcome.new_owner.id == friend.id
    assert (friend.role, friend.phone, friend.name) == (Role.OWNER, "+12025550199", "Jamie Fraser")
    car = outcome.vehicle
    assert (car.owner_id, car.vin, car.make, car.model, car.year) == (
        friend.id,
        vin(1),
        "Honda",
        "Accord",
        2025,
    )
    assert car.purchase_date == date(2026, 5, 1)
    db.session.refresh(bought)
    assert (bought.stage, bought.stage_changed_at, bought.vin) == (Stage.PURCHASED, LATER, vin(1))
    assert (bought.owner_id, bought.vehicle_id) == (friend.id, car.id)
    assert outcome.points == 500
    assert _lines(priya) == [(f"referral:{bought.id}:stage:purchased", 500, "Jamie bought a car")]
    assert _lines(sam) == [(f"referral:{sams.id}:stage:test_drive", 25, "Friend took a test drive")]
    db.session.refresh(priya)
    db.session.refresh(sam)
    assert (priya.tier_level, sam.tier_level) == (1, 0)
    for untouched in (other, sams):
        db.session.refresh(untouched)
        assert (untouched.owner_id, untouched.vehicle_id, untouched.vin) == (None, None, None)
    assert other.stage == Stage.INVITED
    # No invitation unless asked: the thank-you and the tier message, both to Priya.
    assert sorted(_notes(priya)) == [f"referral:{bought.id}:thank-you", f"tier:{priya.id}:1"]
    assert set(outcome.notification_ids) == {n.id for n in _notes(priya).values()}
    assert _notes(friend) == {} and _notes(sam) == {}


def test_the_thank_you_is_written_from_the_dealerships_letter(make_owner, make_referral):
    write_settings(
        db.session,
        {
            "rewards.thank_you_subject": "Thanks for {friend_first_name}, {first_name}",
            "rewards.thank_you_template": (
                "{car} for {friend_first_name}: {points} points. {manager_name}, {dealership}."
            ),
            "rewards.thank_you_manager_name": "Dana Whitfield",
            "referrals.points_purchased": 1500,
        },
    )
    priya = make_owner(name="Priya Patel")
    referral = make_referral(priya, name="Jamie Fraser")
    _purchase(referral)
    thanks = _notes(priya)[f"referral:{referral.id}:thank-you"]
    assert thanks.subject == "Thanks for Jamie, Priya"
    assert thanks.created_at == LATER
    dealership = dealership_profile(db.session)["name"]
    assert (
        thanks.body == f"2025 Honda Accord for Jamie: 1,500 points. Dana Whitfield, {dealership}."
    )
    assert (thanks.kind, thanks.action_path, thanks.action_label) == (
        "referral",
        "/rewards",
        "See your rewards",
    )


def test_a_long_subject_is_cut_to_two_hundred_characters(make_owner, make_referral):
    write_settings(db.session, {"rewards.thank_you_subject": "x" * 199 + "yz {first_name}"})
    priya = make_owner()
    referral = make_referral(priya)
    _purchase(referral)
    assert _notes(priya)[f"referral:{referral.id}:thank-you"].subject == "x" * 199 + "y"


def test_an_existing_owner_gets_the_car_without_a_new_account(app, make_owner, make_referral):
    priya, jamie = make_owner(), make_owner(email="jamie@example.net")
    referral = make_referral(priya, email="someone@example.net")
    referral.email = "jamie@example.net"  # became an owner after being referred
    db.session.commit()
    with app.test_request_context():
        outcome = _purchase(referral, invite_new_owner=True)
    assert outcome.new_owner is None
    assert outcome.vehicle.owner_id == jamie.id
    assert _notes(jamie) == {}


def test_a_new_owner_is_invited_only_when_asked(app, make_owner, make_referral):
    priya = make_owner()
    invited = make_referral(priya, email="jamie@example.net")
    quiet = make_referral(priya, email="alex@example.net")
    with app.test_request_context():  # the invitation links to the claim page
        first = _purchase(invited, 1, invite_new_owner=True)
        second = _purchase(quiet, 2, invite_new_owner=False)
    [claim] = _notes(first.new_owner).values()
    assert claim.key.startswith(f"claim:{first.new_owner.id}:")
    assert claim.id in first.notification_ids
    assert _notes(second.new_owner) == {}


def test_a_purchase_for_a_friend_nobody_referred_credits_nobody(make_referral):
    referral = make_referral(None, email="walkin@example.net")
    outcome = _purchase(referral)
    assert (outcome.points, outcome.notification_ids) == (0, [])
    assert db.session.scalars(select(PointsEntry)).all() == []


def test_a_purchase_is_recorded_once(make_owner, make_referral):
    referral = make_referral(make_owner())
    _purchase(referral)
    with pytest.raises(ServiceError, match="already recorded") as refused:
        _purchase(referral, 2)
    assert refused.value.field == "vin"


def test_a_car_still_in_a_garage_is_refused_but_a_retired_one_is_not(
    make_owner, make_referral, make_vehicle
):
    priya = make_owner()
    make_vehicle(make_owner(), vin=vin(1))
    make_vehicle(make_owner(), vin=vin(2), retired_at=NOW)
    refused_one, accepted = make_referral(priya), make_referral(priya)
    with pytest.raises(ServiceError, match="already in an owner's garage") as refused:
        _purchase(refused_one, 1)
    assert refused.value.field == "vin"
    db.session.rollback()
    assert _purchase(accepted, 2).vehicle.vin == vin(2)


def test_a_staff_email_is_refused(make_owner, make_referral, make_coordinator):
    referral = make_referral(make_owner(), email="someone@example.net")
    make_coordinator(email="casey@example.net")
    referral.email = "casey@example.net"
    db.session.commit()
    with pytest.raises(ServiceError, match="member of staff") as refused:
        _purchase(referral)
    assert refused.value.field == "vin"


# --- Tiers ----------------------------------------------------------------------------------------


def test_tiers_go_up_exactly_at_their_thresholds_and_only_for_the_referrer(
    make_owner, make_referral
):
    priya, sam = make_owner(name="Priya Patel"), make_owner(name="Sam Smith")
    make_referral(sam, stage=Stage.PURCHASED)
    levels, messages = [], []
    for number in range(1, 7):
        outcome = _purchase(make_referral(priya), number)
        db.session.refresh(priya)
        levels.append(priya.tier_level)
        messages.append(len(outcome.notification_ids))
    assert levels == [1, 1, 2, 2, 2, 3]
    # The thank-you every time, and the tier message only when the tier goes up.
    assert messages == [2, 1, 2, 1, 1, 2]
    tier_notes = {k: n for k, n in _notes(priya).items() if k.startswith("tier:")}
    assert sorted(tier_notes) == [f"tier:{priya.id}:{level}" for level in (1, 2, 3)]
    advocate, ambassador = tier_notes[f"tier:{priya.id}:1"], tier_notes[f"tier:{priya.id}:2"]
    assert advocate.subject == "You're now Advocate in the Owners Club"
    assert "Thank you for helping the club grow." in advocate.body
    assert "priority when you book a service" in ambassador.body
    assert advocate.body.startswith("Hello Priya,")
    assert (advocate.kind, advocate.action_path) == ("reward", "/rewards")
    assert advocate.action_label == "See your rewards"
    assert advocate.created_at == LATER
    db.session.refresh(sam)
    assert sam.tier_level == 0


@pytest.mark.parametrize("tier_level", [1, 2])
def test_a_tier_already_held_is_neither_lowered_nor_announced_again(
    make_owner, make_referral, tier_level
):
    priya = make_owner(tier_level=tier_level)
    outcome = _purchase(make_referral(priya))
    db.session.refresh(priya)
    assert priya.tier_level == tier_level
    assert [key for key in _notes(priya) if key.startswith("tier:")] == []
    assert len(outcome.notification_ids) == 1


def test_a_ladder_the_dealership_changed_is_used(make_owner, make_referral):
    write_settings(
        db.session,
        {
            "referrals.tier_names": ["Friend", "Star", "Legend"],
            "referrals.tier_thresholds": [0, 2, 4],
        },
    )
    priya = make_owner()
    _purchase(make_referral(priya), 1)
    db.session.refresh(priya)
    assert priya.tier_level == 0
    _purchase(make_referral(priya), 2)
    db.session.refresh(priya)
    assert priya.tier_level == 1
    assert _notes(priya)[f"tier:{priya.id}:1"].subject == "You're now Star in the Owners Club"


# --- The landing-page form ------------------------------------------------------------------------


def _submit(referrer, email, **values):
    fields = {
        "name": "  Jamie Fraser ", "phone": None, "preferred_contact": "phone",
        "model_of_interest": "  Electric SUV ", "consent_contact": True,
    } | values  # fmt: skip
    return services.submit_referral(db.session, referrer=referrer, email=email, now=LATER, **fields)


def test_a_friends_details_are_kept_as_given_and_tidied(make_owner):
    priya = make_owner()
    referral = _submit(priya, "  Jamie@Example.NET ", phone="+12025550199")
    db.session.commit()
    db.session.refresh(referral)
    assert (referral.referrer_id, referral.name, referral.email) == (
        priya.id,
        "Jamie Fraser",
        "jamie@example.net",
    )
    assert (referral.preferred_contact, referral.model_of_interest) == ("phone", "Electric SUV")
    assert referral.phone == "+12025550199"
    assert (referral.stage, referral.consent_contact) == (Stage.INVITED, True)
    assert referral.created_at == referral.stage_changed_at == referral.updated_at == LATER
    blank = _submit(None, "alex@example.net", model_of_interest="  ")
    assert (blank.referrer_id, blank.model_of_interest) == (None, None)


@pytest.mark.parametrize(
    ("email", "values", "field", "message"),
    [
        ("jamie@example.net", {"consent_contact": False}, "consent_contact", "Tick the box"),
        ("PRIYA@example.com", {}, "email", "shared this link"),
        ("sam@example.com", {}, "email", "already belongs to an Owners Club member"),
        ("known@example.net", {}, "email", "We already have your details"),
    ],
)
def test_a_referral_that_cannot_be_kept_is_refused_next_to_its_field(
    make_owner, make_referral, email, values, field, message
):
    priya = make_owner(email="priya@example.com")
    make_owner(email="sam@example.com")
    make_referral(priya, email="known@example.net")
    with pytest.raises(ServiceError, match=message) as refused:
        _submit(priya, email, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(Referral.id).where(Referral.email == email.lower())) is (
        db.session.scalar(select(Referral.id).where(Referral.email == "known@example.net"))
        if email == "known@example.net"
        else None
    )


def test_the_same_friend_submitted_a_moment_earlier_wins(make_owner, monkeypatch):
    """The unique email is the backstop when two submissions pass the check together."""
    priya, sam = make_owner(), make_owner()
    real_contact = services.ProspectContact

    def contact_after_a_rival_submitted(value):
        # Between the check and the insert, Sam's link records the same friend.
        rival = Referral(
            referrer_id=sam.id, name="Jamie F", email="jamie.f@example.net", stage=Stage.INVITED
        )
        db.session.add(rival)
        db.session.flush()
        return real_contact(value)

    monkeypatch.setattr(services, "ProspectContact", contact_after_a_rival_submitted)
    with pytest.raises(ServiceError) as refused:
        _submit(priya, "jamie.f@example.net")
    assert refused.value.field == "email"
    assert refused.value.message.startswith("We already have your details")
    db.session.commit()
    kept = db.session.scalars(select(Referral)).all()
    assert [(r.email, r.referrer_id) for r in kept] == [("jamie.f@example.net", sam.id)]


# --- Invite codes and settings --------------------------------------------------------------------


def test_invite_codes_belong_to_one_owner_and_regenerating_changes_only_theirs(make_owner):
    priya, sam = make_owner(), make_owner()
    key = "secret"
    assert services.current_invite_code(db.session, priya, key) is None
    priyas = services.invite_code_for(db.session, priya, key)
    sams = services.invite_code_for(db.session, sam, key)
    assert priyas != sams
    assert services.invite_code_for(db.session, priya, key) == priyas
    assert services.current_invite_code(db.session, priya, key) == priyas
    fresh = services.regenerate_invite(db.session, priya, key, LATER)
    assert fresh not in (priyas, sams)
    created = dict(db.session.execute(select(InviteCode.user_id, InviteCode.created_at)).all())
    assert created == {priya.id: LATER, sam.id: NOW}
    assert services.current_invite_code(db.session, priya, key) == fresh
    assert services.current_invite_code(db.session, sam, key) == sams
    # Each seed carries 256 bits from `secrets` (43 URL-safe characters).
    assert {len(seed) for seed in db.session.scalars(select(InviteCode.seed))} == {43}


def test_a_changed_secret_key_hides_the_old_code_until_it_is_reissued(make_owner):
    priya = make_owner()
    old = services.invite_code_for(db.session, priya, "old-secret")
    assert services.current_invite_code(db.session, priya, "new-secret") is None
    new = services.invite_code_for(db.session, priya, "new-secret")
    assert new != old
    assert services.current_invite_code(db.session, priya, "new-secret") == new


def test_regenerating_a_code_that_never_existed_makes_one(make_owner):
    priya = make_owner()
    code = services.regenerate_invite(db.session, priya, "secret", LATER)
    assert services.current_invite_code(db.session, priya, "secret") == code
    assert len(code) == 32


def _settings(**changes) -> dict:
    return dict(services.SETTINGS_DEFAULTS) | changes


@pytest.mark.parametrize("thresholds", [[0, 3, 1, 6], [0, 1, 1, 6], [1, 0, 3, 6]])
def test_tier_thresholds_must_climb(app, thresholds):
    with pytest.raises(ServiceError, match="more purchases than the one before") as refused:
        services.save_referral_settings(
            db.session, _settings(**{"referrals.tier_thresholds": thresholds})
        )
    assert refused.value.field == "tier_3_threshold"


@pytest.mark.parametrize("form_field", ["thank_you_subject", "thank_you_template"])
def test_a_broken_letter_is_refused_next_to_its_own_field(app, form_field):
    with pytest.raises(ServiceError) as refused:
        services.save_referral_settings(
            db.session, _settings(**{f"rewards.{form_field}": "Dear {name}"})
        )
    assert refused.value.field == form_field
    assert refused.value.message.startswith("Unknown placeholder: {name}.")


def test_good_settings_are_stored_and_reported(app):
    changes = services.save_referral_settings(
        db.session, _settings(**{"referrals.tier_thresholds": [0, 2, 4, 8]})
    )
    assert changes["referrals.tier_thresholds"] == (None, [0, 2, 4, 8])
    assert load_tiers(db.session).thresholds == [0, 2, 4, 8]
