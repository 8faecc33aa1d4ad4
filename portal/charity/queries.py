"""Reads of charity drives for staff pages and exports."""

from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.charity.models import Contribution, Drive


def contributions_export(drive_id: int | None = None) -> Select:
    """(contribution, drive, owner's name, email) for every drive or one, drive by drive."""
    statement = (
        select(Contribution, Drive, User.name, User.email)
        .join(Drive, Drive.id == Contribution.drive_id)
        .outerjoin(User, User.id == Contribution.user_id)
        .order_by(Drive.id, Contribution.created_at, Contribution.id)
    )
    if drive_id is not None:
        statement = statement.where(Contribution.drive_id == drive_id)
    return statement
