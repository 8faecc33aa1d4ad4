"""Reads of the referral pipeline for staff pages and exports."""

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.referrals.models import Referral, Stage

STAGE_VALUES = frozenset(stage.value for stage in Stage)


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
