"""Demo answers: the recent dealership visits were asked about, most answered, one low."""

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.demo import DemoData
from portal.dealership.queries import today_at_dealership
from portal.extensions import db
from portal.feedback.models import FollowUp, FollowUpStatus, Survey
from portal.garage.models import ServiceRecord, Vehicle
from portal.security import hash_token

#: The demo asks about dealership visits of the last half year.
DEMO_DAYS = 180
COMMENTS = {
    5: ["Quick, friendly, and the car was washed too.", "Explained everything clearly."],
    4: ["Good service; the wait was a little long.", None],
    3: ["Fine, but nobody told me the car was ready.", None],
    2: ["Took twice as long as promised and nobody called."],
}


def seed_feedback(data: DemoData) -> None:
    """Name an advisor on recent dealership visits and answer most of their surveys."""
    rng = data.rng
    today = today_at_dealership(db.session)
    visits = db.session.scalars(
        select(ServiceRecord)
        .join(Vehicle)
        .where(
            ServiceRecord.at_dealership.is_(True),
            ServiceRecord.performed_on >= today - timedelta(days=DEMO_DAYS),
            ServiceRecord.performed_on < today,
            Vehicle.retired_at.is_(None),
        )
        .order_by(ServiceRecord.id)
    ).all()
    low_given = False
    for number, visit in enumerate(visits):
        visit.advisor = data.staff[number % len(data.staff)]
        asked = datetime.combine(visit.performed_on + timedelta(days=1), time(15), tzinfo=UTC)
        survey = Survey(
            visit=visit,
            owner=visit.vehicle.owner,
            token_hash=hash_token(secrets.token_urlsafe(16)),
            asked_at=asked,
        )
        db.session.add(survey)
        if rng.random() < 0.2:
            continue  # not answered
        score = 2 if not low_given else rng.choice([3, 4, 4, 5, 5, 5])
        low_given = True
        survey.score, survey.comment = score, rng.choice(COMMENTS[score])
        survey.answered_at = survey.changed_at = asked + timedelta(hours=rng.randint(1, 30))
        if score <= 2:
            db.session.add(
                FollowUp(
                    survey=survey,
                    owner=survey.owner,
                    visit=visit,
                    score=score,
                    comment=survey.comment,
                    status=FollowUpStatus.OPEN,
                    opened_at=survey.answered_at,
                )
            )
