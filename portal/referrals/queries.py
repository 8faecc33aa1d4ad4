"""Reads of referrals: invite links, an owner's friends, the tier ladder, the pipeline."""

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from portal.accounts.models import User
from portal.dealership.queries import read_settings
from portal.events.models import Rsvp
from portal.paging import in_direction
from portal.points.models import PointsEntry
from portal.referrals.models import InviteCode, Referral, Stage
from portal.referrals.rules import TIER_DEFAULTS, Tiers
from portal.security import hash_token

STAGE_VALUES = frozenset(stage.value for stage in Stage)

#: Columns the pipeline sorts by: last move, friend's name, stage, date referred.
REFERRAL_SORTS = {
    "date": Referral.stage_changed_at,
    "name": func.lower(Referral.name),
    "stage": Referral.stage,
    "referred": Referral.created_at,
}


#: Built once: every visit to an invite link looks its owner up.
_REFERRER = (
    select(User)
    .join(InviteCode, InviteCode.user_id == User.id)
    .where(InviteCode.code_hash == bindparam("code_hash"), User.deactivated_at.is_(None))
)


def find_referrer(session: Session, code: str) -> User | None:
    """The active owner behind an invite code, or None; one query either way."""
    return session.scalar(_REFERRER, {"code_hash": hash_token(code[:100])})


def load_tiers(session: Session) -> Tiers:
    """The tier names and thresholds from the dealership settings (one query)."""
    values = read_settings(session, TIER_DEFAULTS)
    return Tiers(
        names=list(values["referrals.tier_names"]),
        thresholds=[int(n) for n in values["referrals.tier_thresholds"]],
    )


#: Built once: the tier on the owner's home and rewards pages counts these.
_PURCHASES_REFERRED = (
    select(func.count())
    .select_from(Referral)
    .where(Referral.referrer_id == bindparam("user_id"), Referral.stage == Stage.PURCHASED)
)


def purchases_referred(session: Session, user_id: int) -> int:
    """How many of the owner's referrals have bought a car."""
    return session.scalar(_PURCHASES_REFERRED, {"user_id": user_id})


def owner_referrals(session: Session, user_id: int) -> list[tuple[Referral, int]]:
    """The owner's referrals with the points each earned them, newest first (one query)."""
    earned = (
        select(PointsEntry.referral_id, func.sum(PointsEntry.points).label("points"))
        .where(PointsEntry.user_id == user_id, PointsEntry.referral_id.is_not(None))
        .group_by(PointsEntry.referral_id)
        .subquery()
    )
    rows = session.execute(
        select(Referral, func.coalesce(earned.c.points, 0))
        .outerjoin(earned, earned.c.referral_id == Referral.id)
        .where(Referral.referrer_id == user_id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    ).all()
    return [(referral, int(points)) for referral, points in rows]


def get_owner_referral(session: Session, user_id: int, referral_id: int) -> Referral | None:
    """One of the owner's own referrals, never another owner's."""
    return session.scalar(
        select(Referral).where(Referral.id == referral_id, Referral.referrer_id == user_id)
    )


def chosen_stage(stage: str | None) -> str | None:
    """The stage a list is filtered by, or None when the request names no real stage."""
    return stage if stage in STAGE_VALUES else None


def pipeline(stage: str | None, sort: str, descending: bool) -> Select:
    """Referrals (one stage or all) with their referrer, in the chosen order, for a paged list."""
    column = REFERRAL_SORTS[sort]
    statement = (
        select(Referral)
        .options(joinedload(Referral.referrer), joinedload(Referral.rsvp).joinedload(Rsvp.event))
        .order_by(*in_direction(descending, column, Referral.id))
    )
    if stage is not None:
        statement = statement.where(Referral.stage == stage)
    return statement


def stage_counts(session: Session) -> dict[str, int]:
    """{stage: number of referrals at it}, for the pipeline's tabs."""
    return dict(
        session.execute(select(Referral.stage, func.count()).group_by(Referral.stage)).all()
    )


def source_counts(session: Session) -> dict[str | None, int]:
    """{channel the link was shared through (None: not known): number of referrals}."""
    return dict(
        session.execute(select(Referral.source, func.count()).group_by(Referral.source)).all()
    )


def referrals_export(stage: str | None) -> Select:
    """(referral, referrer's name, referrer's email), one stage or all, newest move first."""
    referrer = aliased(User)
    statement = (
        select(Referral, referrer.name, referrer.email)
        .outerjoin(referrer, referrer.id == Referral.referrer_id)
        .order_by(Referral.stage_changed_at.desc(), Referral.id.desc())
    )
    if stage in STAGE_VALUES:
        statement = statement.where(Referral.stage == stage)
    return statement
