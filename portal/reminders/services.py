"""Changes to reminders: an owner's snooze, done and visit request; the due messages; staff.

`queue_due_notifications` is `flask notify run`'s reminder half: one message per reminder
that newly became due.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.garage.models import ServiceRecord
from portal.notifications.models import Notification
from portal.notifications.services import QUEUED, Consent, notify, retry_failed
from portal.reminders.facts import VehicleFacts
from portal.reminders.models import (
    AdvisedWork,
    RecallCampaign,
    ReminderState,
    SeasonalCampaign,
    ServiceVisitRequest,
    TimeWindow,
    VisitStatus,
)
from portal.reminders.queries.fleet import OwnerInfo, collector_paused, load_fleet
from portal.reminders.queries.pages import covered_cars, recall_code_taken
from portal.reminders.rules import SNOOZE_DAYS, Kind, Reminder, Status

#: Kinds whose "done" is a visit to the workshop, so it goes into the service history.
RECORDED_AS_SERVICE = {Kind.SERVICE, Kind.RECALL}
#: How far ahead an owner may ask for a visit.
VISIT_HORIZON_DAYS = 120

# --- The owner's actions on a reminder of theirs (found on their page by the caller) -----


def _state(session: Session, user: User, key: str) -> ReminderState:
    state = session.scalar(select(ReminderState).where(ReminderState.key == key).with_for_update())
    if state is None:
        state = ReminderState(user_id=user.id, key=key)
        session.add(state)
    return state


def snooze(session: Session, user: User, reminder: Reminder, days: int, today: date) -> date:
    """Hide a reminder from messages (and move it down the page) for 7 or 30 days."""
    if days not in SNOOZE_DAYS:
        raise ServiceError("Choose 7 or 30 days.", "days")
    state = _state(session, user, reminder.key)
    state.snoozed_until = today + timedelta(days=days)
    session.flush()
    return state.snoozed_until


def unsnooze(session: Session, user: User, reminder: Reminder) -> None:
    """Bring a snoozed reminder back now."""
    _state(session, user, reminder.key).snoozed_until = None
    session.flush()


def mark_done(
    session: Session, user: User, reminder: Reminder, today: date, miles: int | None = None
) -> bool:
    """Mark a reminder done; True when it went into the car's service history (a service or
    a recall)."""
    if miles is not None and miles < 0:
        raise ServiceError("Miles cannot be negative.", "miles")
    recorded = reminder.kind in RECORDED_AS_SERVICE
    if recorded:
        code = reminder.key.split(":")[1] if reminder.kind == Kind.RECALL else None
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
    state = _state(session, user, reminder.key)
    state.done_on = today
    state.snoozed_until = None
    session.flush()
    return recorded


def advise_work(
    session: Session,
    *,
    vehicle_id: int,
    what: str,
    due_on: date | None,
    due_miles: int | None,
    advised_on: date,
) -> AdvisedWork:
    """Record work advised for later (at a visit); it shows as a reminder from now on."""
    if due_on is None and due_miles is None:
        raise ServiceError("Give a date or a mileage the work is due by.")
    advice = AdvisedWork(
        vehicle_id=vehicle_id,
        what=what.strip()[:200],
        due_on=due_on,
        due_miles=due_miles,
        advised_on=advised_on,
    )
    session.add(advice)
    session.flush()
    return advice


def _check_visit(
    car: VehicleFacts | None, preferred_day: date | None, time_window: str, note: str, today: date
) -> None:
    if car is None:
        raise ServiceError("Visits are for a car; this reminder is not about one.")
    if preferred_day is None:
        raise ServiceError("Choose a day that suits you.", "preferred_day")
    if preferred_day <= today:
        raise ServiceError("Choose a day from tomorrow on.", "preferred_day")
    if preferred_day > today + timedelta(days=VISIT_HORIZON_DAYS):
        raise ServiceError("Choose a day within the next four months.", "preferred_day")
    if time_window not in set(TimeWindow):
        raise ServiceError("Choose a time of day.", "time_window")
    if len(note) > 1000:
        raise ServiceError("Keep the note under 1,000 characters.", "note")


def request_visit(
    session: Session,
    user: User,
    reminder: Reminder,
    car: VehicleFacts | None,
    *,
    preferred_day: date | None,
    time_window: str,
    note: str,
    today: date,
    now: datetime,
) -> ServiceVisitRequest:
    """Ask the service team for a visit about a reminder (staff see it in the admin area),
    and confirm to the owner that we got it."""
    note = (note or "").strip()
    _check_visit(car, preferred_day, time_window, note, today)
    visit = ServiceVisitRequest(
        user_id=user.id,
        vehicle_id=car.id,
        reminder_key=reminder.key,
        topic=f"{reminder.what} ({car.label})"[:200],
        preferred_day=preferred_day,
        time_window=time_window,
        note=note,
    )
    session.add(visit)
    session.flush()
    _confirm_visit(session, user, visit, now)
    return visit


def _confirm_visit(session: Session, user: User, visit: ServiceVisitRequest, now: datetime):
    """A confirmation in the owner's inbox (and on their channel) that we got the request."""
    car = visit.vehicle
    when = f"{visit.preferred_day:%A} {visit.preferred_day.day} {visit.preferred_day:%B}"
    body = (
        f"Hello {user.first_name},\n\n"
        f"Thank you for asking for a visit for your {car.label}: {visit.topic}. "
        f"You'd prefer {when}, {visit.time_window_label.lower()}.\n\n"
        "Our service team will call or write to confirm a time that works. "
        "Nothing else to do for now."
    )
    notify(
        session,
        user=user,
        key=f"visit-request:{visit.id}",
        kind="service",
        subject=f"We've received your visit request for your {car.label}",
        body=body,
        now=now,
        action_path="/reminders",
        action_label="See my reminders",
    )


# --- The due messages (`flask notify run`) ----------------------------------------------

#: Which consent a reminder message needs.
CONSENT_FOR_KIND = {
    Kind.SERVICE: Consent.SERVICE,
    Kind.WARRANTY: Consent.SERVICE,
    Kind.PROTECTION: Consent.SERVICE,
    Kind.RECALL: Consent.SERVICE,
    Kind.SEASONAL: Consent.SERVICE,
    Kind.ADVISED: Consent.SERVICE,
    Kind.BIRTHDAY: Consent.CELEBRATIONS,
    Kind.ANNIVERSARY: Consent.CELEBRATIONS,
}
_KEY_CHUNK = 500


def notification_key(reminder: Reminder) -> str:
    """One message per reminder and status: once when due soon, once when overdue (the
    inbox shows both; email or text only the first, as they share the reminder's topic).
    A service overdue by more than a whole interval gets one win-back message instead."""
    if reminder.lapsed:
        return f"winback:{reminder.key}"
    return f"reminder:{reminder.key}:{reminder.status}"


def tell_us_key(owner_id: int) -> str:
    """The one "tell us about your car" message an owner ever gets."""
    return f"tell-us:owner-{owner_id}"


def compose(reminder: Reminder, owner: OwnerInfo, car: VehicleFacts | None) -> tuple[str, str]:
    """Subject and plain-text body: names the person and the car, says why now and what next."""
    name = owner.first_name
    label = car.label if car else ""
    subjects = {
        Kind.SERVICE: f"{name}, your {label} is due for a service"
        if reminder.status == Status.DUE_SOON
        else f"{name}, your {label} is ready for its service",
        Kind.WARRANTY: f"{name}, the warranty on your {label} ends soon",
        Kind.PROTECTION: f"{name}, {reminder.what.lower()} for your {label}",
        Kind.RECALL: f"{name}, a recall applies to your {label}",
        Kind.SEASONAL: f"{name}, {reminder.what.lower()} for your {label}",
        Kind.ADVISED: f"{name}, work we suggested for your {label}",
        Kind.ANNIVERSARY: f"{name}, {reminder.what.lower()} with your {label}",
        Kind.BIRTHDAY: f"Happy birthday soon, {name}",
    }
    subject = subjects[reminder.kind]
    about = f"This is about your {label} (VIN ending {car.vin[-6:]})." if car else ""
    if reminder.lapsed:
        subject = f"{name}, we haven't seen your {label} in a while"
        about = f"We haven't seen your {label} (VIN ending {car.vin[-6:]}) in a while."
    paragraphs = [
        f"Hello {name},",
        " ".join(p for p in (about, reminder.why_now) if p),
        reminder.what_to_do,
        "Your reminders page shows everything coming up for your cars; from there you can "
        "snooze a reminder, mark it done or ask us for a visit.",
    ]
    return subject[:200], "\n\n".join(paragraphs)


def compose_tell_us(owner: OwnerInfo, cars: Sequence[VehicleFacts]) -> tuple[str, str]:
    """The welcome for an owner whose cars have no service on file: ask, don't alarm."""
    name = owner.first_name
    labels = [car.label for car in cars]
    which = f"your {labels[0]}" if len(labels) == 1 else "your cars"
    listed = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    body = "\n\n".join(
        [
            f"Hello {name},",
            f"We'd like to remind you about services at the right time, but we don't have a "
            f"service on file for your {listed} yet, so we'd only be guessing.",
            "If you tell us when it was last serviced, and roughly how many miles it had, we'll "
            "time the next reminder from there. It takes a minute on your reminders page, and "
            "a rough date is fine.",
            "Nothing is urgent, and we won't send service reminders until we know.",
        ]
    )
    return f"{name}, tell us about {which}"[:200], body


def queue_due_notifications(session: Session, today: date, now: datetime) -> list[int]:
    """Claim one notification per reminder that newly became due soon or overdue.

    The claim is the notification's unique key (`notify` inserts with ON CONFLICT DO
    NOTHING), so overlapping runs and re-runs claim nothing twice. Snoozed and done
    reminders wait; consent is checked by `notify`. A car with no service on file gets no
    service reminder: its owner gets one "tell us about your car" message instead.
    """
    with collector_paused():
        fleet = load_fleet(session, today, dealership_zone(session))
        pressing = [
            r
            for r in fleet.reminders()
            if r.status != Status.UPCOMING and fleet.snoozed_until(r.key) is None
        ]
    cars = {car.id: car for car in fleet.cars}
    unknown: dict[int, list[VehicleFacts]] = {}
    candidates: dict[str, Reminder] = {}
    for reminder in pressing:
        if reminder.asks_last_service:
            unknown.setdefault(reminder.owner_id, []).append(cars[reminder.vehicle_id])
        else:
            candidates[notification_key(reminder)] = reminder
    tell_us = {tell_us_key(owner_id): owner_id for owner_id in unknown}
    claimed = _existing_keys(session, [*candidates, *tell_us])
    fresh = [(key, r) for key, r in candidates.items() if key not in claimed]
    welcome = {key: owner_id for key, owner_id in tell_us.items() if key not in claimed}
    users = _users_by_id(session, {r.owner_id for _, r in fresh} | set(welcome.values()))
    ids = []
    for key, reminder in sorted(fresh, key=lambda pair: pair[0]):
        user, owner = users.get(reminder.owner_id), fleet.owners.get(reminder.owner_id)
        if user is None or owner is None:
            continue
        subject, body = compose(reminder, owner, cars.get(reminder.vehicle_id))
        created = notify(
            session,
            user=user,
            key=key,
            kind=str(reminder.kind),
            subject=subject,
            body=body,
            now=now,
            consent=CONSENT_FOR_KIND[reminder.kind],
            action_path="/reminders",
            action_label="See my reminders",
            topic=key if reminder.lapsed else reminder.key,
        )
        if created is not None:
            ids.append(created)
    for key, owner_id in sorted(welcome.items()):
        user, owner = users.get(owner_id), fleet.owners.get(owner_id)
        if user is None or owner is None:
            continue
        subject, body = compose_tell_us(owner, unknown[owner_id])
        created = notify(
            session,
            user=user,
            key=key,
            kind=str(Kind.SERVICE),
            subject=subject,
            body=body,
            now=now,
            consent=Consent.SERVICE,
            action_path="/reminders",
            action_label="Tell us about its last service",
            topic=key,
        )
        if created is not None:
            ids.append(created)
    return ids


def _chunks(items: Sequence, size: int = _KEY_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these notification keys are already claimed (a shortcut; the insert decides)."""
    existing: set[str] = set()
    for chunk in _chunks(sorted(keys)):
        existing.update(
            session.scalars(select(Notification.key).where(Notification.key.in_(chunk)))
        )
    return existing


def _users_by_id(session: Session, ids: Iterable[int]) -> dict[int, User]:
    users: dict[int, User] = {}
    for chunk in _chunks(sorted(ids)):
        users.update((u.id, u) for u in session.scalars(select(User).where(User.id.in_(chunk))))
    return users


# --- Staff ------------------------------------------------------------------------------


def save_reminder_settings(session: Session, values: dict[str, Any]) -> dict:
    """Store the numbers the reminder rules use; the changes, as `write_settings` gives them."""
    return write_settings(session, values)


def _checked_campaign(session: Session, campaign: SeasonalCampaign | RecallCampaign) -> None:
    """Tidy a campaign as typed; a recall's code must be its own."""
    campaign.make = (campaign.make or "").strip() or (
        None if isinstance(campaign, SeasonalCampaign) else ""
    )
    if isinstance(campaign, RecallCampaign):
        campaign.code = campaign.code.strip().upper()
        campaign.model = campaign.model.strip()
        if recall_code_taken(session, campaign):
            raise ServiceError("Another recall already has this code.", "code")


def preview_campaign(session: Session, draft: SeasonalCampaign | RecallCampaign) -> int:
    """How many active cars a campaign being edited would cover (`draft` is not saved)."""
    _checked_campaign(session, draft)
    return covered_cars(session, draft)


def save_campaign(session: Session, campaign: SeasonalCampaign | RecallCampaign) -> int:
    """Store a new or changed campaign; how many active cars it covers."""
    _checked_campaign(session, campaign)
    session.add(campaign)
    session.flush()
    return covered_cars(session, campaign)


def retry_notification(session: Session, notification_id: int) -> bool:
    """Queue a failed message to be sent again once this is committed; False if it is not
    waiting for a retry."""
    if not retry_failed(session, notification_id):
        return False
    session.info.setdefault(QUEUED, []).append(notification_id)
    return True


def mark_visit_handled(session: Session, request_id: int, by: User, now: datetime) -> bool:
    """Mark an open visit request handled; False when someone already had."""
    return bool(
        session.execute(
            update(ServiceVisitRequest)
            .where(
                ServiceVisitRequest.id == request_id,
                ServiceVisitRequest.status == VisitStatus.OPEN,
            )
            .values(status=VisitStatus.HANDLED, handled_at=now, handled_by_id=by.id)
        ).rowcount
    )
