"""Closing a drive: one thank-you per participant, telling them what the drive achieved."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.charity.models import Contribution, Drive, DriveStatus
from portal.charity.services import DriveTotals, drive_totals
from portal.notifications.services import Consent, notify


def close_drive(session: Session, drive: Drive, now: datetime, dealership_name: str) -> list[int]:
    """Close an open drive and queue one thank-you per participant; ids of new messages.

    The conditional UPDATE decides who closes it: a second close (or a double click)
    changes nothing and sends nothing; the unique notification keys guard the rest.
    """
    closed = session.execute(
        update(Drive)
        .where(Drive.id == drive.id, Drive.status == DriveStatus.OPEN)
        .values(status=DriveStatus.CLOSED, closed_at=now)
    ).rowcount
    session.refresh(drive)
    if not closed:
        return []
    totals = drive_totals(session, drive)
    given = dict(
        session.execute(
            select(Contribution.user_id, func.sum(Contribution.amount))
            .where(Contribution.drive_id == drive.id, Contribution.user_id.is_not(None))
            .group_by(Contribution.user_id)
            # A gift that was taken back (a declined points redemption) nets to nothing.
            .having(func.sum(Contribution.amount) > 0)
        ).all()
    )
    people = session.scalars(select(User).where(User.id.in_(given)).order_by(User.id))
    created = []
    for person in people:
        notification_id = notify(
            session,
            user=person,
            key=f"drive:{drive.id}:thanks:{person.id}",
            kind="charity",
            subject=f"Thank you for helping the {drive.name} drive",
            body=thank_you_body(drive, totals, person, int(given[person.id]), dealership_name),
            now=now,
            consent=Consent.TRANSACTIONAL,
            action_path=f"/drives/{drive.id}",
            action_label="See the final tally",
        )
        if notification_id is not None:
            created.append(notification_id)
    return created


def thank_you_body(
    drive: Drive, totals: DriveTotals, person: User, given: int, dealership_name: str
) -> str:
    """The thank-you text: who, what the drive achieved, their part, what happens next."""
    fmt = drive.format_amount
    result = (
        f"The {drive.name} drive for {drive.beneficiary_name} has closed. Together the club "
        f"gave {fmt(totals.committed)} toward the goal of {fmt(drive.goal_amount)} "
        f"({totals.percent_committed}%)."
    )
    if totals.match_pledged:
        result += f" That includes {fmt(totals.match_pledged)} matched by {dealership_name}."
    paragraphs = [
        f"Hello {person.first_name},",
        result,
        f"Your part was {fmt(given)}, and it made a real difference.",
    ]
    if totals.outstanding:
        paragraphs.append(
            "If part of a pledge is still on its way, there's no rush: the team will be in "
            "touch about handing it over."
        )
    paragraphs.append(f"Thank you for being part of it.\n\nThe team at {dealership_name}")
    return "\n\n".join(paragraphs)
