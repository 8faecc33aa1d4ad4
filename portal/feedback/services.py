"""Changes for "How did it go?": ask once a day after a visit, take the answer, follow up.

`queue_surveys` is `flask notify run`'s feedback half. Every message goes through the
claim-once queue: the survey row (unique per visit) and the message key (per visit) are
both claims, so overlapping or repeated runs ask about a visit once.
"""

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.feedback import queries, rules
from portal.feedback.models import FollowUp, FollowUpStatus, Survey
from portal.garage.models import ServiceRecord, Vehicle
from portal.notifications.services import Consent, Message, notify_many
from portal.security import hash_token

#: Builds the survey's link from its token: (absolute URL for the message, path in the portal).
LinkBuilder = Callable[[str], tuple[str, str]]
#: Where staff find the open follow-ups (a path in the portal).
FOLLOW_UPS_PATH = "/admin/follow-ups"


def survey_key(visit_id: int) -> str:
    """The one message that asks about one visit."""
    return f"feedback:service-record-{visit_id}"


def _insert_ignoring_duplicates(session: Session, model, row: dict, unique: str) -> int | None:
    """Insert one row unless its unique column is taken; its id, or None when it was."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(model)
        .values(**row)
        .on_conflict_do_nothing(index_elements=[unique])
        .returning(model.id)
    )
    return session.scalar(statement)


def queue_surveys(session: Session, today: date, now: datetime, links: LinkBuilder) -> list[int]:
    """Ask the owner of every dealership visit from yesterday (or the days a run missed,
    up to a week back) one short question; returns the ids of the messages queued.

    The inbox always gets it; email or text only with the owner's consent to service
    messages. A car since sold, or an account closed, is not asked about.
    """
    first_day, last_day = rules.visits_due(today)
    messages = []
    for visit, car, owner in queries.visits_to_ask(session, first_day, last_day):
        token = secrets.token_urlsafe(16)
        row = {
            "service_record_id": visit.id,
            "owner_id": owner.id,
            "token_hash": hash_token(token),
            "asked_at": now,
        }
        if _insert_ignoring_duplicates(session, Survey, row, "service_record_id") is None:
            continue  # another run asked first
        messages.append(_question(visit, car, owner, token, links))
    return notify_many(session, messages, now)


def _question(visit: ServiceRecord, car: Vehicle, owner: User, token: str, links: LinkBuilder):
    url, path = links(token)
    return Message(
        user=owner,
        key=survey_key(visit.id),
        kind="feedback",
        subject=rules.question(owner.first_name, car.label, visit.work_done)[:200],
        body=rules.message_body(owner.first_name, car.label, visit.performed_on, url),
        action_path=path,
        action_label="Answer the question",
        topic=survey_key(visit.id),
        budgeted=True,
        channel_consent=Consent.SERVICE,
    )


def _checked(score, comment: str | None) -> tuple[int, str | None]:
    if not isinstance(score, int) or isinstance(score, bool) or score not in rules.SCORES:
        raise ServiceError("Choose a number from 1 to 5.", "score")
    comment = (comment or "").strip() or None
    if comment and len(comment) > rules.COMMENT_MAX:
        raise ServiceError("Keep the comment under 2,000 characters.", "comment")
    return score, comment


def answer(
    session: Session, survey: Survey, *, score: int, comment: str | None, now: datetime
) -> FollowUp | None:
    """Save the owner's answer (or change it while it may be changed); returns the follow-up
    a low score opened, or None.

    One conditional update takes the answer only while the survey is open, so an answer
    that arrives after the window (or two at once at its edge) never slips in. A low score
    opens one follow-up per survey however often it is given.
    """
    score, comment = _checked(score, comment)
    still_open = or_(
        and_(
            Survey.answered_at.is_(None),
            Survey.asked_at >= now - timedelta(days=rules.ANSWER_WITHIN_DAYS),
        ),
        Survey.answered_at >= now - timedelta(days=rules.EDITABLE_DAYS),
    )
    saved = session.execute(
        update(Survey)
        .where(Survey.id == survey.id, still_open)
        .values(
            score=score,
            comment=comment,
            answered_at=func.coalesce(Survey.answered_at, literal(now, Survey.answered_at.type)),
            changed_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not saved:
        raise ServiceError("This question has closed, so your answer can't be changed now.")
    session.expire(survey)
    if not rules.is_low(score, queries.low_score(session)):
        return None
    return _open_follow_up(session, survey, score, comment, now)


def _open_follow_up(
    session: Session, survey: Survey, score: int, comment: str | None, now: datetime
) -> FollowUp | None:
    """Open the survey's follow-up (once) and tell the staff who handle service."""
    row = {
        "survey_id": survey.id,
        "owner_id": survey.owner_id,
        "service_record_id": survey.service_record_id,
        "score": score,
        "comment": comment,
        "status": FollowUpStatus.OPEN,
        "opened_at": now,
    }
    follow_up_id = _insert_ignoring_duplicates(session, FollowUp, row, "survey_id")
    if follow_up_id is None:
        return None
    follow_up = queries.follow_up(session, follow_up_id)
    notify_many(session, _staff_notices(session, follow_up), now)
    return follow_up


def _staff_notices(session: Session, follow_up: FollowUp) -> list[Message]:
    owner, visit = follow_up.owner, follow_up.visit
    day = f"{visit.performed_on:%A} {visit.performed_on.day} {visit.performed_on:%B}"
    said = f"They wrote: “{follow_up.comment}”" if follow_up.comment else "They left no comment."
    body = "\n\n".join(
        [
            f"{owner.name} scored the visit of their {visit.vehicle.label} on {day} "
            f"{follow_up.score} out of 5.",
            said,
            "A call from the service manager in the next day or two usually puts things "
            "right. Close the follow-up with a note of what was done.",
        ]
    )
    return [
        Message(
            user=staff,
            key=f"feedback:follow-up-{follow_up.id}:staff-{staff.id}",
            kind="follow_up",
            subject=f"{owner.name} scored a visit {follow_up.score} of 5: please follow up",
            body=body,
            action_path=FOLLOW_UPS_PATH,
            action_label="See open follow-ups",
        )
        for staff in queries.follow_up_recipients(session)
    ]


def close_follow_up(
    session: Session, follow_up: FollowUp, *, by: User, note: str, now: datetime
) -> None:
    """Close an open follow-up with a note of what was done; refused once it is closed."""
    note = (note or "").strip()
    if not note:
        raise ServiceError("Say what was done, for the record.", "note")
    if len(note) > rules.NOTE_MAX:
        raise ServiceError("Keep the note under 2,000 characters.", "note")
    closed = session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up.id, FollowUp.status == FollowUpStatus.OPEN)
        .values(status=FollowUpStatus.CLOSED, closed_at=now, closed_by_id=by.id, note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not closed:
        raise ServiceError("Someone has already closed this follow-up.")
    session.expire(follow_up)
