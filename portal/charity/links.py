"""Events that are part of a drive: choosing them, and showing them on both pages."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from portal.charity.models import Drive, DriveEvent, DriveStatus
from portal.events.models import Event, EventStatus
from portal.events.rules import visible_condition

#: Coordinators can link events that ended up to this long ago (a car wash last weekend).
RECENT_DAYS = 60


def linkable_events(session: Session, now: datetime, drive: Drive | None) -> list[Event]:
    """Upcoming and recent events a coordinator may link, plus any already linked (one query)."""
    condition = (Event.status != EventStatus.CANCELLED) & (
        Event.ends_at > now - timedelta(days=RECENT_DAYS)
    )
    if drive is not None:
        linked = select(DriveEvent.event_id).where(DriveEvent.drive_id == drive.id)
        condition = or_(condition, Event.id.in_(linked))
    return list(session.scalars(select(Event).where(condition).order_by(Event.starts_at, Event.id)))


def linked_event_ids(session: Session, drive: Drive) -> list[int]:
    """The ids of the events linked to a drive."""
    return list(session.scalars(select(DriveEvent.event_id).where(DriveEvent.drive_id == drive.id)))


def set_linked_events(session: Session, drive: Drive, event_ids: Iterable[int]) -> None:
    """Make the drive's linked events exactly `event_ids` (unknown ids are the form's job)."""
    wanted = set(event_ids)
    current = set(linked_event_ids(session, drive))
    if current - wanted:
        session.execute(
            delete(DriveEvent).where(
                DriveEvent.drive_id == drive.id, DriveEvent.event_id.in_(current - wanted)
            )
        )
    session.add_all(
        DriveEvent(drive_id=drive.id, event_id=event_id) for event_id in sorted(wanted - current)
    )
    session.flush()


def events_of_drive(session: Session, drive: Drive, viewer) -> list[Event]:
    """The drive's events this person may see, soonest first (one query)."""
    return list(
        session.scalars(
            select(Event)
            .join(DriveEvent, DriveEvent.event_id == Event.id)
            .where(DriveEvent.drive_id == drive.id, visible_condition(viewer))
            .order_by(Event.starts_at, Event.id)
        )
    )


def open_drives_of_event(session: Session, event_id: int) -> list[Drive]:
    """The open drives an event is part of (one query), for "Part of ..." on the event page."""
    return list(
        session.scalars(
            select(Drive)
            .join(DriveEvent, DriveEvent.drive_id == Drive.id)
            .where(DriveEvent.event_id == event_id, Drive.status == DriveStatus.OPEN)
            .order_by(Drive.ends_on, Drive.id)
        )
    )
