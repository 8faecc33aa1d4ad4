"""Reads of referrals: invite links, an owner's friends, the tier ladder, the pipeline."""

from collections import Counter
from datetime import date
from enum import StrEnum
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import User
from portal.db import page_rows
from portal.dealership.queries import read_settings
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.paging import PagedSelect, in_direction
from portal.points.models import PointsEntry
from portal.referrals.models import SOURCE_LABELS, STAGE_LABELS, InviteCode, Referral, Stage
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


class Visit(StrEnum):
    """What became of the RSVP a friend's invite link led to, as the pipeline tells it."""

    CAME = "came"
    CANCELLED = "cancelled"
    RSVPED = "rsvped"


class PipelineRow(NamedTuple):
    """One referred friend on the pipeline: what each cell shows, worked out once per row so
    that the template only places it (a tuple: the template's loop unpacks it into names)."""

    #: The referral's own page.
    url: str
    name: str
    model_of_interest: str | None
    #: How they like to be contacted, as the list writes it ("Email", "Sms").
    contact_by: str
    phone: str | None
    email: str
    #: Who referred them, and their tier; None for a friend who came through an old link.
    referrer_name: str | None
    tier_level: int | None
    #: The channel the invite link was shared through, in words ("—" when not known).
    came_through: str
    #: What became of the RSVP their invite link led to; None without one.
    visit: Visit | None
    event_title: str | None
    stage: str
    stage_label: str
    #: The days of the last move and of the referral, in the dealership's time zone.
    moved_on: date
    referred_on: date


def pipeline(stage: str | None, sort: str, descending: bool) -> Select:
    """Referrals (one stage or all) with their referrer and RSVP, in the chosen order: only
    the columns the pipeline shows (`pipeline_rows` reads them)."""
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
            rsvp.status,
            rsvp.checked_in_at,
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


def pipeline_rows(rows, detail_url: str, zone: ZoneInfo) -> list[PipelineRow]:
    """The rows of `pipeline` as the list shows them: `detail_url` is the referral page's URL
    with `{}` for its id, `zone` the dealership's time zone."""
    return [_pipeline_row(row, detail_url, zone) for row in rows]


def _pipeline_row(row, detail_url: str, zone: ZoneInfo) -> PipelineRow:
    (
        referral_id,
        name,
        model_of_interest,
        preferred_contact,
        phone,
        email,
        source,
        stage,
        stage_changed_at,
        created_at,
        referrer_name,
        tier_level,
        rsvp_status,
        checked_in_at,
        event_title,
    ) = row
    if not rsvp_status:
        visit = None
    elif checked_in_at:
        visit = Visit.CAME
    else:
        visit = Visit.CANCELLED if rsvp_status == RsvpStatus.CANCELLED else Visit.RSVPED
    return PipelineRow(
        url=detail_url.format(referral_id),
        name=name,
        model_of_interest=model_of_interest,
        contact_by=preferred_contact.capitalize(),
        phone=phone,
        email=email,
        referrer_name=referrer_name,
        tier_level=tier_level,
        came_through=SOURCE_LABELS.get(source, "—"),
        visit=visit,
        event_title=event_title,
        stage=stage,
        stage_label=STAGE_LABELS[stage],
        moved_on=stage_changed_at.astimezone(zone).date(),
        referred_on=created_at.astimezone(zone).date(),
    )


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
