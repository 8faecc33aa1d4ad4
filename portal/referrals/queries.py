"""Reads of referrals: invite links, an owner's friends, the tier ladder, the pipeline."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import User
from portal.dealership.queries import read_settings
from portal.events.models import Event, Rsvp
from portal.paging import PagedSelect, in_direction
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


@dataclass(frozen=True, slots=True)
class PipelineReferrer:
    """Who referred a friend, as the pipeline shows them."""

    name: str
    tier_level: int


@dataclass(frozen=True, slots=True)
class PipelineRsvp:
    """The event a friend RSVPed to through their invite link, and how it went."""

    status: str
    checked_in_at: datetime | None
    event_title: str


@dataclass(frozen=True, slots=True)
class PipelineRow:
    """One referred friend on the pipeline: only what the list shows."""

    id: int
    name: str
    model_of_interest: str | None
    preferred_contact: str
    phone: str | None
    email: str
    source: str | None
    stage: str
    stage_changed_at: datetime
    created_at: datetime
    referrer: PipelineReferrer | None
    rsvp: PipelineRsvp | None


def pipeline(stage: str | None, sort: str, descending: bool) -> Select:
    """Referrals (one stage or all) with their referrer and RSVP, in the chosen order: only
    the columns the pipeline shows (`pipeline_row` reads a row)."""
    column = REFERRAL_SORTS[sort]
    statement = (
        select(
            Referral.id,
            Referral.name,
            Referral.model_of_interest,
            Referral.preferred_contact,
            Referral.phone,
            Referral.email,
            Referral.source,
            Referral.stage,
            Referral.stage_changed_at,
            Referral.created_at,
            User.name,
            User.tier_level,
            Rsvp.status,
            Rsvp.checked_in_at,
            Event.title,
        )
        .outerjoin(User, User.id == Referral.referrer_id)
        .outerjoin(Rsvp, Rsvp.id == Referral.rsvp_id)
        .outerjoin(Event, Event.id == Rsvp.event_id)
        .order_by(*in_direction(descending, column, Referral.id))
    )
    if stage is not None:
        statement = statement.where(Referral.stage == stage)
    return statement


@cache
def paged_pipeline(stage: str | None, sort: str, descending: bool) -> PagedSelect:
    """The pipeline's statements for one stage and order, built once per process (a handful
    of stages and sorts)."""
    return PagedSelect(pipeline(chosen_stage(stage), sort, descending), rows=True)


def pipeline_row(row) -> PipelineRow:
    """A row of `pipeline` as the list shows it."""
    *referral, referrer_name, tier_level, rsvp_status, checked_in_at, event_title = row
    referrer = PipelineReferrer(referrer_name, tier_level) if referrer_name is not None else None
    rsvp = PipelineRsvp(rsvp_status, checked_in_at, event_title) if rsvp_status else None
    return PipelineRow(*referral, referrer=referrer, rsvp=rsvp)


#: Built once: referrals by stage and channel, counted from `ix_referrals_stage_source`.
_STAGE_SOURCE_COUNTS = select(Referral.stage, Referral.source, func.count()).group_by(
    Referral.stage, Referral.source
)


def pipeline_counts(session: Session) -> tuple[dict[str, int], dict[str | None, int]]:
    """({stage: referrals at it}, {channel the link was shared through (None: not known):
    referrals}) for the pipeline's tabs and its "came through" line, in one statement."""
    stages: Counter[str] = Counter()
    sources: Counter[str | None] = Counter()
    for stage, source, number in session.execute(_STAGE_SOURCE_COUNTS):
        stages[stage] += number
        sources[source] += number
    return dict(stages), dict(sources)


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
