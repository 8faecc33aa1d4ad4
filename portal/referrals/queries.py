"""Reads of referrals: invite links, an owner's friends, the tier ladder, the pipeline."""

from collections import Counter
from enum import StrEnum
from functools import cache

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import User
from portal.db import page_rows
from portal.dealership.queries import read_settings
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.paging import PagedSelect, in_direction
from portal.points.models import PointsEntry
from portal.referrals.models import InviteCode, Referral, Stage
from portal.referrals.rules import TIER_DEFAULTS, Tiers
from portal.security import hash_token

STAGE_VALUES = frozenset(stage.value for stage in Stage)

#: The pipeline's statements read the tables' own columns, not the models' attributes: a select
#: without the ORM skips its row loading (measured: a fifth of a millisecond a page of 50).
_REFERRALS, _USERS, _RSVPS, _EVENTS = (model.__table__ for model in (Referral, User, Rsvp, Event))
_INVITES = InviteCode.__table__

#: Columns the pipeline sorts by: last move, friend's name, stage, date referred.
REFERRAL_SORTS = {
    "date": _REFERRALS.c.stage_changed_at,
    "name": func.lower(_REFERRALS.c.name),
    "stage": _REFERRALS.c.stage,
    "referred": _REFERRALS.c.created_at,
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


#: Built once: the landing page greets the friend with the name of the owner behind the code.
_REFERRER_NAME = (
    select(_USERS.c.display_name, _USERS.c.name)
    .join(_INVITES, _INVITES.c.user_id == _USERS.c.id)
    .where(_INVITES.c.code_hash == bindparam("code_hash"), _USERS.c.deactivated_at.is_(None))
)


def referrer_first_name(session: Session, code: str) -> str | None:
    """The first name of the active owner behind an invite code, or None (one query, two
    columns: the page shows nothing else of them)."""
    row = page_rows(session, _REFERRER_NAME, {"code_hash": hash_token(code[:100])}).first()
    if row is None:
        return None
    return row.display_name or row.name.split()[0]  # as `User.first_name` has it


def load_tiers(session: Session) -> Tiers:
    """The tier names and thresholds from the dealership settings (one query)."""
    values = read_settings(session, TIER_DEFAULTS)
    return Tiers(
        names=list(values["referrals.tier_names"]),
        thresholds=[int(n) for n in values["referrals.tier_thresholds"]],
    )


#: Built once: the tier counts these, for `:user_id` (the owner's home and rewards pages read
#: it as a scalar subquery along with their other reads).
PURCHASES_REFERRED = (
    select(func.count())
    .select_from(Referral)
    .where(Referral.referrer_id == bindparam("user_id"), Referral.stage == Stage.PURCHASED)
)


def purchases_referred(session: Session, user_id: int) -> int:
    """How many of the owner's referrals have bought a car."""
    return session.scalar(PURCHASES_REFERRED, {"user_id": user_id})


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


class Visit(StrEnum):
    """What became of the RSVP a friend's invite link led to, as the pipeline tells it."""

    CAME = "came"
    CANCELLED = "cancelled"
    RSVPED = "rsvped"


#: What became of the RSVP a friend's invite link led to (a `Visit`), None without one.
VISIT = case(
    (_RSVPS.c.status.is_(None), None),
    (_RSVPS.c.checked_in_at.is_not(None), Visit.CAME.value),
    (_RSVPS.c.status == RsvpStatus.CANCELLED.value, Visit.CANCELLED.value),
    else_=Visit.RSVPED.value,
)


def pipeline(stage: str | None, sort: str, descending: bool) -> Select:
    """Referrals (one stage or all) with their referrer and RSVP, in the chosen order: only
    the columns the pipeline shows, and what became of the RSVP (`VISIT`)."""
    referral, referrer, rsvp, event = _REFERRALS.c, _USERS.c, _RSVPS.c, _EVENTS.c
    statement = (
        select(
            referral.id,
            referral.name,
            referral.model_of_interest,
            referral.preferred_contact,
            referral.phone,
            referral.email,
            referral.source,
            referral.stage,
            referral.stage_changed_at,
            referral.created_at,
            referrer.name,
            referrer.tier_level,
            VISIT,
            event.title,
        )
        .outerjoin(_USERS, referrer.id == referral.referrer_id)
        .outerjoin(_RSVPS, rsvp.id == referral.rsvp_id)
        .outerjoin(_EVENTS, event.id == rsvp.event_id)
        .order_by(*in_direction(descending, REFERRAL_SORTS[sort], referral.id))
    )
    if stage is not None:
        statement = statement.where(referral.stage == stage)
    return statement


@cache
def paged_pipeline(stage: str | None, sort: str, descending: bool) -> PagedSelect:
    """The pipeline's statements for one stage and order, built once per process (a handful
    of stages and sorts)."""
    return PagedSelect(pipeline(chosen_stage(stage), sort, descending), rows=True)


#: Built once: referrals by stage and channel, counted from `ix_referrals_stage_source` (table
#: columns, as the pipeline's page).
_STAGE_SOURCE_COUNTS = select(_REFERRALS.c.stage, _REFERRALS.c.source, func.count()).group_by(
    _REFERRALS.c.stage, _REFERRALS.c.source
)


def pipeline_counts(session: Session) -> tuple[dict[str, int], dict[str | None, int]]:
    """({stage: referrals at it}, {channel the link was shared through (None: not known):
    referrals}) for the pipeline's tabs and its "came through" line, in one statement."""
    stages: Counter[str] = Counter()
    sources: Counter[str | None] = Counter()
    for stage, source, number in page_rows(session, _STAGE_SOURCE_COUNTS):
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
