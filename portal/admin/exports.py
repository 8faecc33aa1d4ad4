"""CSV downloads for coordinators: referrals, reward redemptions, charity pledges.

Every cell goes through `portal.csvsafe`, so a name or message starting with = + - @
opens in a spreadsheet as text, never as a formula. Rows stream in batches.
"""

from collections.abc import Iterator
from datetime import datetime

from flask import abort, request
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from portal import clock
from portal.accounts.models import User
from portal.charity.models import Contribution, Drive
from portal.csvsafe import csv_response
from portal.extensions import db
from portal.referrals.models import STAGE_LABELS, Referral, Stage
from portal.rewards.models import Redemption, RedemptionStatus, Reward
from portal.templating import local_datetime
from portal.web import admin_bp as bp

#: Rows fetched from the database at a time while a download streams.
BATCH = 500


def _when(moment: datetime | None) -> str:
    """A moment as the dealership's local date and time, sortable in a spreadsheet."""
    return local_datetime(moment, "%Y-%m-%d %H:%M") if moment else ""


def _rows(statement: Select) -> Iterator:
    return db.session.execute(statement.execution_options(yield_per=BATCH))


def _filename(what: str) -> str:
    return f"{what}-{clock.now():%Y-%m-%d}.csv"


@bp.route("/referrals/export.csv")
def export_referrals():
    """The referral pipeline (optionally one stage), newest move first."""
    stage = request.args.get("stage")
    referrer = aliased(User)
    statement = (
        select(Referral, referrer.name, referrer.email)
        .outerjoin(referrer, referrer.id == Referral.referrer_id)
        .order_by(Referral.stage_changed_at.desc(), Referral.id.desc())
    )
    if stage in {value.value for value in Stage}:
        statement = statement.where(Referral.stage == stage)

    def rows():
        for referral, referrer_name, referrer_email in _rows(statement):
            yield (
                referral.id,
                referral.name,
                referral.email,
                referral.phone,
                referral.preferred_contact,
                referral.model_of_interest,
                STAGE_LABELS[Stage(referral.stage)],
                _when(referral.stage_changed_at),
                _when(referral.created_at),
                referrer_name,
                referrer_email,
                referral.vin,
                referral.note,
            )

    header = (
        "id",
        "name",
        "email",
        "phone",
        "prefers",
        "interested in",
        "stage",
        "stage since",
        "referred on",
        "referred by",
        "referrer email",
        "vin sold",
        "note",
    )
    return csv_response(_filename(f"referrals-{stage}" if stage else "referrals"), header, rows())


@bp.route("/rewards/redemptions/export.csv")
def export_redemptions():
    """Reward redemptions (optionally one status), oldest request first."""
    status = request.args.get("status")
    decider = aliased(User)
    statement = (
        select(Redemption, User.name, User.email, Reward.name, decider.name)
        .join(User, User.id == Redemption.user_id)
        .join(Reward, Reward.id == Redemption.reward_id)
        .outerjoin(decider, decider.id == Redemption.decided_by_id)
        .order_by(Redemption.created_at, Redemption.id)
    )
    if status in {value.value for value in RedemptionStatus}:
        statement = statement.where(Redemption.status == status)

    def rows():
        for redemption, owner_name, owner_email, reward_name, decided_by in _rows(statement):
            yield (
                redemption.id,
                owner_name,
                owner_email,
                reward_name,
                redemption.points,
                redemption.status,
                redemption.cause,
                _when(redemption.created_at),
                _when(redemption.decided_at),
                decided_by,
                redemption.fulfilled_on,
                redemption.staff_note,
            )

    header = (
        "id",
        "owner",
        "email",
        "reward",
        "points",
        "status",
        "cause",
        "asked on",
        "decided on",
        "decided by",
        "given on",
        "note to owner",
    )
    name = f"redemptions-{status}" if status else "redemptions"
    return csv_response(_filename(name), header, rows())


def _amount(drive: Drive, value: int) -> str | int:
    """Dollars with cents for money drives (stored in cents), a count for item drives."""
    if drive.is_money:
        return f"{value // 100}.{value % 100:02d}"
    return value


def _contributions(statement: Select):
    """Rows for the pledges export from (Contribution, Drive, name, email) results."""
    for contribution, drive, owner_name, owner_email in _rows(statement):
        yield (
            contribution.id,
            drive.name,
            _when(contribution.created_at),
            owner_name,
            owner_email,
            contribution.kind,
            _amount(drive, contribution.amount),
            "USD" if drive.is_money else (drive.unit_label or "items"),
            contribution.points,
            "by name" if contribution.show_name else "anonymous",
            contribution.message,
            _when(contribution.received_at),
        )


CONTRIBUTION_HEADER = (
    "id",
    "drive",
    "date",
    "owner",
    "email",
    "kind",
    "amount",
    "unit",
    "points given",
    "honour roll",
    "message",
    "received on",
)


def _contributions_statement() -> Select:
    return (
        select(Contribution, Drive, User.name, User.email)
        .join(Drive, Drive.id == Contribution.drive_id)
        .outerjoin(User, User.id == Contribution.user_id)
        .order_by(Drive.id, Contribution.created_at, Contribution.id)
    )


@bp.route("/charity/contributions.csv")
def export_contributions():
    """Every pledge and points donation to every drive."""
    rows = _contributions(_contributions_statement())
    return csv_response(_filename("charity-pledges"), CONTRIBUTION_HEADER, rows)


@bp.route("/charity/<int:drive_id>/contributions.csv")
def export_drive_contributions(drive_id: int):
    """One drive's pledges and points donations."""
    if db.session.get(Drive, drive_id) is None:
        abort(404)
    statement = _contributions_statement().where(Contribution.drive_id == drive_id)
    return csv_response(
        _filename(f"drive-{drive_id}-pledges"), CONTRIBUTION_HEADER, _contributions(statement)
    )
