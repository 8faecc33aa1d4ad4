"""`flask notify run`'s reminder half: one message per reminder that newly became due."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone
from portal.notifications.models import Notification
from portal.notifications.services import Consent, notify
from portal.reminders.queries import OwnerInfo, collector_paused, load_fleet
from portal.reminders.rules import Kind, Reminder, Status, VehicleFacts

#: Which consent a reminder message needs.
CONSENT_FOR_KIND = {
    Kind.SERVICE: Consent.SERVICE,
    Kind.WARRANTY: Consent.SERVICE,
    Kind.PROTECTION: Consent.SERVICE,
    Kind.RECALL: Consent.SERVICE,
    Kind.SEASONAL: Consent.SERVICE,
    Kind.BIRTHDAY: Consent.CELEBRATIONS,
    Kind.ANNIVERSARY: Consent.CELEBRATIONS,
}
_KEY_CHUNK = 500


def notification_key(reminder: Reminder) -> str:
    """One message per reminder and status: once when due soon, once when overdue."""
    return f"reminder:{reminder.key}:{reminder.status}"


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
        Kind.ANNIVERSARY: f"{name}, {reminder.what.lower()} with your {label}",
        Kind.BIRTHDAY: f"Happy birthday soon, {name}",
    }
    intro = f"Hello {name},"
    about = f"This is about your {label} (VIN ending {car.vin[-6:]})." if car else ""
    paragraphs = [
        intro,
        " ".join(p for p in (about, reminder.why_now) if p),
        reminder.what_to_do,
        "Your reminders page shows everything coming up for your cars; from there you can "
        "snooze a reminder, mark it done or ask us for a visit.",
    ]
    return subjects[reminder.kind][:200], "\n\n".join(paragraphs)


def queue_due_notifications(session: Session, today: date, now: datetime) -> list[int]:
    """Claim one notification per reminder that newly became due soon or overdue.

    The claim is the notification's unique key (`notify` inserts with ON CONFLICT DO
    NOTHING), so overlapping runs and re-runs claim nothing twice. Snoozed and done
    reminders wait; consent is checked by `notify`.
    """
    with collector_paused():
        fleet = load_fleet(session, today, dealership_zone(session))
        candidates = {
            notification_key(r): r
            for r in fleet.reminders()
            if r.status != Status.UPCOMING and fleet.snoozed_until(r.key) is None
        }
    claimed = _existing_keys(session, candidates)
    fresh = [(key, r) for key, r in candidates.items() if key not in claimed]
    users = _users_by_id(session, {r.owner_id for _, r in fresh})
    cars = {car.id: car for car in fleet.cars}
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
