"""Reads the feedback tests share: the messages sent, the surveys, the link in a message."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.feedback.models import Survey
from portal.notifications.models import Notification

#: The visit's day; the job asks about it on the next day at the dealership.
VISIT_DAY = date(2026, 11, 30)
#: 10:00 AM EST on the day after the visit.
NEXT_MORNING = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def survey_messages() -> list[Notification]:
    """Every "How did it go?" message, oldest first."""
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == "feedback").order_by(Notification.id)
        )
    )


def link_of(message: Notification) -> str:
    """The path of the survey's link, as the message carries it."""
    assert message.action_path.startswith("/how-did-it-go/")
    return message.action_path


def surveys() -> list[Survey]:
    """Every survey, oldest first."""
    return list(db.session.scalars(select(Survey).order_by(Survey.id)))
