"""Reads for "How did it go?": a survey by its link or its owner, follow-ups, the figures.

Each read is one statement whatever the numbers (the settings read is cached per transaction).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, case, extract, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from portal.accounts.models import Role, User
from portal.db import page_rows
from portal.dealership.queries import read_settings
from portal.feedback.models import FollowUp, FollowUpStatus, Survey
from portal.feedback.rules import ANSWER_WITHIN_DAYS, LOW_SCORE, share_percent
from portal.garage.models import ServiceRecord, Vehicle, car_label
from portal.json_rows import JsonRows
from portal.security import hash_token

#: The stored setting that says which scores open a follow-up (at or below it).
LOW_SCORE_SETTING = "feedback.low_score"
#: Staff who hear of a low score. Accounts know no service role, so the admins do.
FOLLOW_UP_ROLES = (Role.ADMIN,)


def low_score(session: Session) -> int:
    """The score at or below which an answer opens a follow-up."""
    return int(read_settings(session, {LOW_SCORE_SETTING: LOW_SCORE})[LOW_SCORE_SETTING])


def _with_visit():
    return joinedload(Survey.visit).joinedload(ServiceRecord.vehicle)


def survey_by_token(session: Session, token: str) -> Survey | None:
    """The survey an emailed link answers, with its visit, car and owner; None if no survey."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(Survey)
        .options(_with_visit(), joinedload(Survey.owner))
        .where(Survey.token_hash == hash_token(token))
    )


def survey_for_owner(session: Session, owner: User, survey_id: int) -> Survey | None:
    """One of the owner's own surveys (another owner's is None: a 404)."""
    return session.scalar(
        select(Survey)
        .options(_with_visit(), joinedload(Survey.owner))
        .where(Survey.id == survey_id, Survey.owner_id == owner.id)
    )


def follow_up_recipients(session: Session) -> list[User]:
    """Active staff who handle service follow-ups."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(FOLLOW_UP_ROLES), User.deactivated_at.is_(None))
            .order_by(User.id)
        )
    )


def _follow_up_details():
    return (
        joinedload(FollowUp.owner),
        joinedload(FollowUp.visit).joinedload(ServiceRecord.vehicle),
        joinedload(FollowUp.closed_by),
    )


def follow_ups(status: str = FollowUpStatus.OPEN) -> Select:
    """Follow-ups of one status, oldest open first (newest closed first), for a paged list."""
    order = (
        (FollowUp.opened_at, FollowUp.id)
        if status == FollowUpStatus.OPEN
        else (FollowUp.opened_at.desc(), FollowUp.id.desc())
    )
    return (
        select(FollowUp)
        .options(*_follow_up_details())
        .where(FollowUp.status == status)
        .order_by(*order)
    )


def follow_up(session: Session, follow_up_id: int) -> FollowUp | None:
    """One follow-up with its owner, visit, car and who closed it."""
    return session.scalar(
        select(FollowUp).options(*_follow_up_details()).where(FollowUp.id == follow_up_id)
    )


_OPEN_FOLLOW_UPS = (
    select(func.count()).select_from(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN)
)


def open_follow_up_count(session: Session) -> int:
    """How many low scores wait for the service manager."""
    return session.scalar(_OPEN_FOLLOW_UPS)


@dataclass(frozen=True)
class OwnerAnswer:
    """A survey of an owner's, with its visit and car, and the follow-up it opened."""

    survey: Survey
    follow_up: FollowUp | None


def owner_answers(session: Session, owner_id: int, limit: int = 20) -> list[OwnerAnswer]:
    """The owner's latest surveys, answered or not, newest visit first (one statement)."""
    rows = session.execute(
        select(Survey, FollowUp)
        .options(_with_visit())
        .join(Survey.visit)
        .outerjoin(FollowUp, FollowUp.survey_id == Survey.id)
        .where(Survey.owner_id == owner_id)
        .order_by(ServiceRecord.performed_on.desc(), Survey.id.desc())
        .limit(limit)
    ).all()
    return [OwnerAnswer(survey, follow) for survey, follow in rows]


@dataclass(frozen=True)
class Satisfaction:
    """One advisor's answers for the visits of one month."""

    year: int
    month: int
    advisor: str | None
    answers: int
    #: The mean score, to one decimal.
    average: float
    #: Answers of 4 or 5, as a whole-number percentage.
    happy_percent: int

    @property
    def month_start(self) -> date:
        return date(self.year, self.month, 1)


def _satisfaction_statement() -> Select:
    advisor = aliased(User)
    year = extract("year", ServiceRecord.performed_on)
    month = extract("month", ServiceRecord.performed_on)
    happy = func.sum(case((Survey.score >= 4, 1), else_=0))
    return (
        select(year, month, advisor.name, func.count(), func.avg(Survey.score), happy)
        .select_from(Survey)
        .join(ServiceRecord, ServiceRecord.id == Survey.service_record_id)
        .outerjoin(advisor, advisor.id == ServiceRecord.advisor_id)
        .where(Survey.score.is_not(None), ServiceRecord.performed_on >= bindparam("since"))
        .group_by(year, month, ServiceRecord.advisor_id, advisor.name)
        .order_by(year.desc(), month.desc(), advisor.name.asc().nulls_last())
    )


#: Built once: the staff dashboard shows it on every visit.
_SATISFACTION = _satisfaction_statement()


def satisfaction(session: Session, since: date) -> list[Satisfaction]:
    """Answers per month of the visit and per advisor, newest month first (one statement).

    Visits with no advisor recorded are counted together under None.
    """
    rows = page_rows(session, _SATISFACTION, {"since": since}).all()
    return [
        Satisfaction(
            int(y), int(m), name, count, round(float(mean), 1), share_percent(int(top), count)
        )
        for y, m, name, count, mean, top in rows
    ]


def visits_to_ask(session: Session, first_day: date, last_day: date) -> list[tuple]:
    """(visit, car, owner) of dealership visits in the days given that no survey asked yet."""
    asked = select(Survey.id).where(Survey.service_record_id == ServiceRecord.id).exists()
    return list(
        session.execute(
            select(ServiceRecord, Vehicle, User)
            .join(Vehicle, Vehicle.id == ServiceRecord.vehicle_id)
            .join(User, User.id == Vehicle.owner_id)
            .where(
                ServiceRecord.at_dealership.is_(True),
                ServiceRecord.performed_on.between(first_day, last_day),
                Vehicle.retired_at.is_(None),
                User.role == Role.OWNER,
                User.deactivated_at.is_(None),
                ~asked,
            )
            .order_by(ServiceRecord.id)
        ).all()
    )


@dataclass(frozen=True, slots=True)
class WaitingSurvey:
    """A visit the owner has not told us about yet, as the home page asks about it."""

    id: int
    car_label: str
    work_done: str
    performed_on: date


#: Built once: the owner's home page asks about waiting visits on every visit. Plain columns,
#: not a survey with its visit and car loaded (most owners have none waiting: that case
#: should cost no more than the statement).
_WAITING_SURVEYS = (
    select(
        Survey.id,
        Vehicle.nickname,
        Vehicle.year,
        Vehicle.make,
        Vehicle.model,
        ServiceRecord.work_done,
        ServiceRecord.performed_on,
    )
    .join(ServiceRecord, ServiceRecord.id == Survey.service_record_id)
    .join(Vehicle, Vehicle.id == ServiceRecord.vehicle_id)
    .where(
        Survey.owner_id == bindparam("owner_id"),
        Survey.answered_at.is_(None),
        Survey.asked_at >= bindparam("asked_since"),
    )
    .order_by(ServiceRecord.performed_on.desc(), Survey.id.desc())
    .limit(bindparam("limit"))
)


#: The same read as a column the home page's one statement carries (`portal.json_rows`).
WAITING_SURVEYS = JsonRows(_WAITING_SURVEYS)


def waiting_surveys_read(owner_id: int, now: datetime, limit: int = 3) -> tuple[JsonRows, dict]:
    """The home page's read of the owner's questions still waiting for a first answer,
    newest visit first."""
    since = now - timedelta(days=ANSWER_WITHIN_DAYS)
    return WAITING_SURVEYS, {"owner_id": owner_id, "asked_since": since, "limit": limit}


def waiting_surveys_from(rows: Iterable[tuple]) -> list[WaitingSurvey]:
    """The questions of `WAITING_SURVEYS`'s rows."""
    return [
        WaitingSurvey(survey_id, car_label(nickname, year, make, model), work_done, performed_on)
        for survey_id, nickname, year, make, model, work_done, performed_on in rows
    ]


def waiting_surveys(
    session: Session, owner_id: int, now: datetime, limit: int = 3
) -> list[WaitingSurvey]:
    """`waiting_surveys_read`'s questions, in a statement of their own."""
    _, values = waiting_surveys_read(owner_id, now, limit)
    return waiting_surveys_from(page_rows(session, _WAITING_SURVEYS, values))
