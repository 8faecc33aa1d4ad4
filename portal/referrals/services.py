"""Referral changes: invite codes, attribution, pipeline stages, purchases, points, settings."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.services.invitations import queue_claim_invitation
from portal.accounts.services.members import (
    create_invited_owner,
    find_user_by_email,
    lock_owner,
    normalise_email,
)
from portal.dealership.queries import dealership_profile, read_settings
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.garage.models import Vehicle
from portal.garage.rules import checked_vin
from portal.notifications.services import Message, notify_many
from portal.points.rules import POINTS_DEFAULTS
from portal.points.services import award_points
from portal.referrals.models import InviteCode, ProspectContact, Referral, Source, Stage
from portal.referrals.queries import load_tiers, purchases_referred
from portal.referrals.rules import (
    MANUAL_STAGES,
    STAGE_POINT_SETTINGS,
    THANKS_DEFAULTS,
    TIER_DEFAULTS,
    check_template,
    render_thanks,
)
from portal.security import hash_token

#: Everything the referral settings page stores, each key with the value it has until set.
SETTINGS_DEFAULTS = POINTS_DEFAULTS | TIER_DEFAULTS | THANKS_DEFAULTS
#: The channels a referral may say it came through.
SOURCE_VALUES = frozenset(source.value for source in Source)

# --- Invite codes -------------------------------------------------------------------------


def _code_from_seed(seed: str, secret_key: str) -> str:
    """The code in the link: an HMAC of the stored seed, so the database alone cannot rebuild it.

    The seed carries 256 bits from `secrets`; the code keeps 192 bits of the HMAC.
    """
    digest = hmac.new(secret_key.encode(), f"invite:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def _new_seed() -> str:
    return secrets.token_urlsafe(32)


def current_invite_code(session: Session, user: User, secret_key: str) -> str | None:
    """The owner's invite code when it can be shown as is; None when it must be made first."""
    invite = session.scalar(select(InviteCode).where(InviteCode.user_id == user.id))
    if invite is None:
        return None
    code = _code_from_seed(invite.seed, secret_key)
    return code if invite.code_hash == hash_token(code) else None


def invite_code_for(session: Session, user: User, secret_key: str) -> str:
    """The owner's current invite code, created on first use."""
    invite = session.scalar(select(InviteCode).where(InviteCode.user_id == user.id))
    if invite is None:
        seed = _new_seed()
        code = _code_from_seed(seed, secret_key)
        session.add(InviteCode(user_id=user.id, seed=seed, code_hash=hash_token(code)))
        session.flush()
        return code
    code = _code_from_seed(invite.seed, secret_key)
    if invite.code_hash != hash_token(code):
        # The app's secret key changed: the old link cannot be shown again, so issue a new one.
        invite.code_hash = hash_token(code)
    return code


def regenerate_invite(session: Session, user: User, secret_key: str, now: datetime) -> str:
    """A fresh code; the old link then shows the generic landing page."""
    invite = session.scalar(select(InviteCode).where(InviteCode.user_id == user.id))
    seed = _new_seed()
    code = _code_from_seed(seed, secret_key)
    if invite is None:
        session.add(InviteCode(user_id=user.id, seed=seed, code_hash=hash_token(code)))
    else:
        invite.seed, invite.code_hash, invite.created_at = seed, hash_token(code), now
    session.flush()
    return code


# --- The landing-page form ----------------------------------------------------------------


def submit_referral(
    session: Session,
    *,
    referrer: User | None,
    name: str,
    email: str,
    phone: str | None,
    preferred_contact: str,
    model_of_interest: str | None,
    consent_contact: bool,
    now: datetime,
    source: str | None = None,
) -> Referral:
    """Record a friend's details; refuses self-referral, existing owners and known prospects.

    `referrer` is None for an unknown or replaced link: the enquiry is kept, unattributed.
    """
    email = normalise_email(email)
    if not consent_contact:
        raise ServiceError("Tick the box so the team may contact you.", "consent_contact")
    if referrer is not None and email == referrer.email:
        raise ServiceError(
            "That's the email of the owner who shared this link. Your friend fills this in "
            "with their own details.",
            "email",
        )
    if find_user_by_email(session, email) is not None:
        raise ServiceError(
            "This email already belongs to an Owners Club member: sign in to see your garage "
            "and events.",
            "email",
        )
    already = (
        "We already have your details, so there's nothing more to do: the team will be in touch."
    )
    if session.scalar(select(Referral.id).where(Referral.email == email)) is not None:
        raise ServiceError(already, "email")
    referral = Referral(
        referrer_id=referrer.id if referrer else None,
        name=name.strip(),
        email=email,
        phone=phone,
        preferred_contact=ProspectContact(preferred_contact),
        model_of_interest=(model_of_interest or "").strip() or None,
        consent_contact=True,
        source=source if source in SOURCE_VALUES else None,
        stage=Stage.INVITED,
        stage_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(referral)
    except IntegrityError as error:
        # Someone submitted the same email a moment earlier: the first one wins.
        raise ServiceError(already, "email") from error
    return referral


# --- The pipeline -------------------------------------------------------------------------


@dataclass
class StageOutcome:
    """What a stage change did: points awarded, notifications to dispatch, an owner to invite."""

    points: int = 0
    notification_ids: list[int] = field(default_factory=list)
    new_owner: User | None = None
    vehicle: Vehicle | None = None


def _award_stage_points(
    session: Session, referral: Referral, stage: Stage, settings: dict, now: datetime
) -> int:
    """Credit the referrer for a stage, once per referral and stage."""
    key = STAGE_POINT_SETTINGS.get(stage)
    points = int(settings[key]) if key else 0
    if referral.referrer_id is None or points <= 0:
        return 0
    label = {
        Stage.CONTACTED: "said hello to the team",
        Stage.TEST_DRIVE: "took a test drive",
        Stage.PURCHASED: "bought a car",
    }[stage]
    awarded = award_points(
        session,
        user_id=referral.referrer_id,
        points=points,
        idempotency_key=f"referral:{referral.id}:stage:{stage.value}",
        reason=f"{referral.first_name} {label}",
        now=now,
        referral_id=referral.id,
    )
    return points if awarded else 0


def move_stage(
    session: Session, *, referral: Referral, stage: Stage, now: datetime
) -> StageOutcome:
    """Move a referral to invited, contacted, test drive or lost (purchase has its own step)."""
    if stage not in MANUAL_STAGES:
        raise ServiceError("Record a purchase with the VIN of the car sold.", "stage")
    if referral.stage == Stage.PURCHASED:
        raise ServiceError("This friend has bought a car; the referral is complete.", "stage")
    if referral.stage == stage:
        return StageOutcome()
    referral.stage = stage
    referral.stage_changed_at = now
    settings = read_settings(session, POINTS_DEFAULTS)
    return StageOutcome(points=_award_stage_points(session, referral, stage, settings, now))


def record_stage(
    session: Session, *, referral: Referral, stage: Stage, note: str | None, now: datetime
) -> StageOutcome:
    """A coordinator's move along the pipeline, with their working note (saved either way)."""
    outcome = move_stage(session, referral=referral, stage=stage, now=now)
    referral.note = (note or "").strip() or None
    return outcome


def record_purchase(
    session: Session,
    *,
    referral: Referral,
    vin: str,
    make: str,
    model: str,
    year: int,
    purchase_date: date,
    hash_method: str,
    now: datetime,
    invite_new_owner: bool = False,
) -> StageOutcome:
    """The friend bought a car: their account and garage, the referrer's points, tier and thanks.

    A friend new to the club becomes `new_owner` (None when they already had an account);
    with `invite_new_owner` they are also sent the invitation to claim their account.
    """
    # The referral's row lock (SQLite: BEGIN IMMEDIATE) makes a double submit wait for the
    # first, then see the purchase it recorded, instead of failing on the car's VIN.
    session.refresh(referral, ["stage"], with_for_update=True)
    if referral.stage == Stage.PURCHASED:
        raise ServiceError("This purchase is already recorded.", "vin")
    vin = checked_vin(vin)  # the garage's rule: the car must be welcome in the garage
    if session.scalar(select(Vehicle.id).where(Vehicle.vin == vin, Vehicle.retired_at.is_(None))):
        raise ServiceError("A car with this VIN is already in an owner's garage.", "vin")
    if referral.referrer_id is not None:
        # One purchase credit at a time per referrer, so the tier count below is exact.
        lock_owner(session, referral.referrer_id)
    outcome = StageOutcome()
    owner = find_user_by_email(session, referral.email)
    if owner is None:
        owner = create_invited_owner(
            session, name=referral.name, email=referral.email, hash_method=hash_method
        )
        if referral.phone:
            owner.phone = referral.phone
        outcome.new_owner = owner
    elif owner.is_staff:
        raise ServiceError("This email belongs to a member of staff.", "vin")
    vehicle = Vehicle(
        owner_id=owner.id,
        vin=vin,
        make=make.strip(),
        model=model.strip(),
        year=year,
        purchase_date=purchase_date,
    )
    session.add(vehicle)
    session.flush()
    outcome.vehicle = vehicle
    referral.stage = Stage.PURCHASED
    referral.stage_changed_at = now
    referral.vin = vin
    referral.owner_id = owner.id
    referral.vehicle_id = vehicle.id
    settings = read_settings(session, POINTS_DEFAULTS | THANKS_DEFAULTS)
    outcome.points = _award_stage_points(session, referral, Stage.PURCHASED, settings, now)
    if referral.referrer_id is not None:
        referrer = session.get(User, referral.referrer_id)
        outcome.notification_ids += _thank_referrer(
            session, referrer, referral, vehicle, settings, now
        )
        outcome.notification_ids += _recompute_tier(session, referrer, now)
    if invite_new_owner and outcome.new_owner is not None:
        invitation = queue_claim_invitation(
            session,
            outcome.new_owner,
            cars=[vehicle.label],
            reason=f"Congratulations on your {vehicle.label}.",
            dealership_name=dealership_profile(session)["name"],
            now=now,
        )
        outcome.notification_ids += [invitation] if invitation else []
    return outcome


def _thank_referrer(
    session: Session,
    referrer: User,
    referral: Referral,
    vehicle: Vehicle,
    settings: dict,
    now: datetime,
) -> list[int]:
    """The personal thank-you from the dealership's template, signed by the named manager."""
    values = {
        "first_name": referrer.first_name,
        "friend_first_name": referral.first_name,
        "car": vehicle.label,
        "points": f"{int(settings['referrals.points_purchased']):,}",
        "dealership": dealership_profile(session)["name"],
        "manager_name": settings["rewards.thank_you_manager_name"],
    }
    message = Message(
        user=referrer,
        key=f"referral:{referral.id}:thank-you",
        kind="referral",
        subject=render_thanks(settings["rewards.thank_you_subject"], values)[:200],
        body=render_thanks(settings["rewards.thank_you_template"], values),
        action_path="/rewards",
        action_label="See your rewards",
    )
    return notify_many(session, [message], now)


def _recompute_tier(session: Session, referrer: User, now: datetime) -> list[int]:
    """Set the referrer's tier from their purchases referred; tell them when they go up."""
    tiers = load_tiers(session)
    session.flush()
    level = tiers.level_for(purchases_referred(session, referrer.id))
    if level <= referrer.tier_level:
        return []
    referrer.tier_level = level
    name = tiers.name(level)
    perks = (
        "As an ambassador you'll get early access to event bookings, priority on waiting "
        "lists, and priority when you book a service."
        if level >= 2
        else "Thank you for helping the club grow."
    )
    message = Message(
        user=referrer,
        key=f"tier:{referrer.id}:{level}",
        kind="reward",
        subject=f"You're now {name} in the Owners Club",
        body=(
            f"Hello {referrer.first_name},\n\n"
            f"Thanks to the friends you've introduced, you're now {name} in the club. {perks}\n\n"
            "Your badge is on your rewards page, along with what your points can open."
        ),
        action_path="/rewards",
        action_label="See your rewards",
    )
    return notify_many(session, [message], now)


# --- Settings -----------------------------------------------------------------------------


def save_referral_settings(session: Session, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Store points per stage, the tier ladder and the thank-you letter, once they make sense.

    Returns what `write_settings` changed ({key: (before, after)}), for the audit log.
    """
    for form_field in ("thank_you_subject", "thank_you_template"):
        try:
            check_template(values[f"rewards.{form_field}"])
        except ServiceError as error:
            raise ServiceError(error.message, form_field) from error
    thresholds = values["referrals.tier_thresholds"]
    if thresholds != sorted(set(thresholds)):
        raise ServiceError(
            "Each tier needs more purchases than the one before.", "tier_3_threshold"
        )
    return write_settings(session, values)
