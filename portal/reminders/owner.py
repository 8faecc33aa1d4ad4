"""The owner's reminders page: their cars' reminders, and snooze, done and visit requests."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone
from portal.errors import ServiceError
from portal.garage.models import ServiceRecord
from portal.reminders.models import ReminderState, ServiceVisitRequest, TimeWindow, VisitStatus
from portal.reminders.queries import Fleet, load_fleet
from portal.reminders.rules import (
    Kind,
    Reminder,
    Status,
    VehicleFacts,
    driving_rate,
    estimated_miles,
    latest_known_miles,
)

#: Kinds whose "done" is a visit to the workshop, so it goes into the service history.
RECORDED_AS_SERVICE = {Kind.SERVICE, Kind.RECALL}
SNOOZE_DAYS = (7, 30)
#: How far ahead an owner may ask for a visit.
VISIT_HORIZON_DAYS = 120


@dataclass
class CarReminders:
    """One car and its reminders, most pressing first, for the owner's page."""

    car: VehicleFacts | None
    reminders: list[Reminder]
    estimated_miles: int | None = None

    @property
    def urgency(self) -> tuple:
        return min((r.urgency for r in self.reminders), default=(9, date.max))


@dataclass
class OwnerReminders:
    """The owner's page: their cars with reminders, snoozes and open visit requests."""

    today: date
    groups: list[CarReminders]
    fleet: Fleet
    visits: dict[str, ServiceVisitRequest]

    def all(self) -> list[Reminder]:
        return [r for group in self.groups for r in group.reminders]

    def pressing(self, limit: int) -> list[tuple[Reminder, CarReminders]]:
        """The most urgent overdue or due-soon reminders that are not snoozed."""
        found = [
            (r, group)
            for group in self.groups
            for r in group.reminders
            if r.status != Status.UPCOMING and not self.fleet.snoozed_until(r.key)
        ]
        return sorted(found, key=lambda pair: pair[0].urgency)[:limit]

    def find(self, key: str) -> tuple[Reminder, CarReminders] | None:
        for group in self.groups:
            for reminder in group.reminders:
                if reminder.key == key:
                    return reminder, group
        return None


def owner_reminders(session: Session, user: User, today: date) -> OwnerReminders:
    """The owner's reminders grouped by car, by urgency (snoozed ones after the rest)."""
    fleet = load_fleet(session, today, dealership_zone(session), owner_id=user.id)
    by_car: dict[int | None, list[Reminder]] = defaultdict(list)
    for reminder in fleet.reminders():
        by_car[reminder.vehicle_id].append(reminder)

    def order(reminder: Reminder):
        return (fleet.snoozed_until(reminder.key) is not None, reminder.urgency)

    groups = []
    for car in fleet.cars:
        rate = driving_rate(car, fleet.settings.default_miles_per_day)
        reminders = sorted(by_car.get(car.id, []), key=order)
        groups.append(
            CarReminders(car, reminders, estimated_miles(latest_known_miles(car), today, rate))
        )
    groups.sort(key=lambda group: group.urgency)
    if by_car.get(None):
        groups.append(CarReminders(None, sorted(by_car[None], key=order)))
    visits = {
        visit.reminder_key: visit
        for visit in session.scalars(
            select(ServiceVisitRequest)
            .where(
                ServiceVisitRequest.user_id == user.id,
                ServiceVisitRequest.status == VisitStatus.OPEN,
            )
            .order_by(ServiceVisitRequest.created_at)
        )
        if visit.reminder_key
    }
    return OwnerReminders(today, groups, fleet, visits)


def _owned_reminder(session: Session, user: User, key: str, today: date):
    """The owner's reminder under this key; LookupError (a 404 for views) when it is not theirs."""
    page = owner_reminders(session, user, today)
    found = page.find(key)
    if found is None:
        raise LookupError(key)
    return found


def _state(session: Session, user: User, key: str) -> ReminderState:
    state = session.scalar(select(ReminderState).where(ReminderState.key == key).with_for_update())
    if state is None:
        state = ReminderState(user_id=user.id, key=key)
        session.add(state)
    return state


def snooze(session: Session, user: User, key: str, days: int, today: date) -> date:
    """Hide a reminder from messages (and move it down the page) for 7 or 30 days."""
    if days not in SNOOZE_DAYS:
        raise ServiceError("Choose 7 or 30 days.", "days")
    _owned_reminder(session, user, key, today)
    state = _state(session, user, key)
    state.snoozed_until = today + timedelta(days=days)
    session.flush()
    return state.snoozed_until


def unsnooze(session: Session, user: User, key: str, today: date) -> None:
    """Bring a snoozed reminder back now."""
    _owned_reminder(session, user, key, today)
    _state(session, user, key).snoozed_until = None
    session.flush()


def mark_done(session: Session, user: User, key: str, today: date, miles: int | None = None):
    """Mark a reminder done; a service or recall goes into the car's service history."""
    reminder, group = _owned_reminder(session, user, key, today)
    if miles is not None and miles < 0:
        raise ServiceError("Miles cannot be negative.", "miles")
    if reminder.kind in RECORDED_AS_SERVICE:
        code = key.split(":")[1] if reminder.kind == Kind.RECALL else None
        work = f"Recall {code} carried out" if code else "Routine service"
        session.add(
            ServiceRecord(
                vehicle_id=reminder.vehicle_id,
                performed_on=today,
                miles=miles,
                work_done=f"{work} (marked done by the owner in the portal)",
                at_dealership=False,
                recall_code=code,
            )
        )
    state = _state(session, user, key)
    state.done_on = today
    state.snoozed_until = None
    session.flush()
    return reminder, group


def request_visit(
    session: Session,
    user: User,
    key: str,
    *,
    preferred_day: date | None,
    time_window: str,
    note: str,
    today: date,
) -> ServiceVisitRequest:
    """Ask the service team for a visit about a reminder; staff see it in the admin area."""
    reminder, group = _owned_reminder(session, user, key, today)
    if group.car is None:
        raise ServiceError("Visits are for a car; this reminder is not about one.")
    if preferred_day is None:
        raise ServiceError("Choose a day that suits you.", "preferred_day")
    if preferred_day <= today:
        raise ServiceError("Choose a day from tomorrow on.", "preferred_day")
    if preferred_day > today + timedelta(days=VISIT_HORIZON_DAYS):
        raise ServiceError("Choose a day within the next four months.", "preferred_day")
    if time_window not in set(TimeWindow):
        raise ServiceError("Choose a time of day.", "time_window")
    note = (note or "").strip()
    if len(note) > 1000:
        raise ServiceError("Keep the note under 1,000 characters.", "note")
    visit = ServiceVisitRequest(
        user_id=user.id,
        vehicle_id=group.car.id,
        reminder_key=key,
        topic=f"{reminder.what} ({group.car.label})"[:200],
        preferred_day=preferred_day,
        time_window=time_window,
        note=note,
    )
    session.add(visit)
    session.flush()
    return visit
