"""The owner's personal calendar feed: what it is made of, a stamp that changes whenever any
of that does, and its body, built once per change.

Calendar apps poll a feed all day, and it changes a few times a month. Its stamp is one
statement that reads, for the feed's owner, every row an entry is made of: the feed itself,
their RSVPs and those events, their cars with the readings, services, products and advice the
reminders are worked out from, their snoozes and dones, the active campaigns, and the other
domains' rows (`feed_sources`). Each row carries its time of change and the values that time
might not cover (service history has no time of change, so its values stand in). The digest
of those rows, the dealership's settings, the day and the address the feed is read at is the
feed's ETag: a calendar holding the body gets 304 from two statements, and a body once built
is kept under its stamp (up to `KEPT_BYTES` of bodies per process) for the next reader. A row
that leaves the feed (a cancelled RSVP, an event past the history) leaves the stamp with it; a
new day changes every stamp, so a new release's wording reaches every calendar by the next day.

There is no Last-Modified: service history has no time of change and HTTP dates count whole
seconds, so If-Modified-Since could hold a change back; the ETag alone validates.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, CompoundSelect, Select, String, bindparam, select, union_all
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.db import page_rows
from portal.dealership.queries import dealership_profile, stored_settings
from portal.events.calendars import ReminderEntry
from portal.events.feed_sources import FeedSource, installed_sources, stamp_columns
from portal.events.models import CalendarFeed, Event, EventStatus, Rsvp, RsvpStatus
from portal.garage.models import OdometerReading, ProtectionProduct, ServiceRecord, Vehicle
from portal.reminders.models import AdvisedWork, RecallCampaign, ReminderState, SeasonalCampaign
from portal.reminders.queries.pages import owner_reminders
from portal.reminders.rules import Kind, Status
from portal.security import hash_token

#: The feed lists events that ended at most this long ago.
FEED_HISTORY_DAYS = 90
#: The reminders a feed carries: the ones that have a day in a calendar.
FEED_REMINDER_KINDS = (Kind.SERVICE, Kind.WARRANTY, Kind.RECALL)
#: At most this many reminders in a feed (an owner with a fleet still gets a readable one).
FEED_REMINDER_LIMIT = 50
#: Bytes of bodies each process keeps (a body is a few kB), the least recently read dropped
#: first: about a thousand feeds.
KEPT_BYTES = 4 * 1024 * 1024
#: Where the app keeps them.
_BODIES = "portal.calendar_feed_bodies"


@dataclass(frozen=True)
class FeedStamp:
    """A feed found by its address, and the validator of everything in it right now."""

    owner_id: int
    etag: str


def _in_feed(owner: ColumnElement[int] | int, since) -> tuple[ColumnElement[bool], ...]:
    """The owner's RSVPs whose events the feed shows: confirmed (or attended) seats at
    published or cancelled events that ended after `since`."""
    return (
        Rsvp.user_id == owner,
        Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED]),
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
        Event.ends_at >= since,
    )


def feed_events(session: Session, user_id: int, now: datetime) -> list[Event]:
    """Events for the owner's feed: confirmed ones, and cancelled events they were going to.

    Events that ended more than FEED_HISTORY_DAYS ago drop off.
    """
    since = now - timedelta(days=FEED_HISTORY_DAYS)
    return list(
        session.scalars(
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(*_in_feed(user_id, since))
            .order_by(Event.starts_at)
        )
    )


def feed_reminders(session: Session, feed: CalendarFeed, today: date) -> list[ReminderEntry]:
    """The owner's service, warranty and recall reminders that are due soon or overdue, as
    their reminders page shows them (snoozed and done ones left out), most pressing first."""
    if not feed.include_reminders:
        return []
    page = owner_reminders(session, session.get(User, feed.user_id), today)
    entries = [
        ReminderEntry(
            key=reminder.key,
            summary=f"{reminder.what}: {group.car.label}" if group.car else reminder.what,
            description=f"{reminder.why_now}\n\n{reminder.what_to_do}",
            due_on=reminder.due_on,
            overdue=reminder.status == Status.OVERDUE,
        )
        for reminder, group in page.pressing(len(page.all()))
        if reminder.kind in FEED_REMINDER_KINDS
    ]
    return entries[:FEED_REMINDER_LIMIT]


def feed_of_owner(session: Session, owner_id: int) -> CalendarFeed | None:
    """The owner's feed, to build its body."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == owner_id))


def _own_rows(owner: ColumnElement[int], since: ColumnElement[datetime]) -> list[Select]:
    """The stamp's rows for what events and reminders put in the feed.

    The reminders' rows are read whether the owner shows them or not (the feed's own row
    says which), so that one statement serves both.
    """
    cars = select(Vehicle.id).where(Vehicle.owner_id == owner)
    return [
        # Of the owner's own row only this counts (a deactivated owner's cars have none);
        # signing in, which writes the row, changes nothing in the feed.
        select(*stamp_columns("owner", User.id, User.deactivated_at)).where(User.id == owner),
        select(
            *stamp_columns(
                "event",
                Event.id,
                Event.updated_at,
                Event.status,
                Event.sequence,
                Rsvp.id,
                Rsvp.updated_at,
                Rsvp.status,
            )
        )
        .select_from(Rsvp)
        .join(Event, Event.id == Rsvp.event_id)
        .where(*_in_feed(owner, since)),
        select(*stamp_columns("car", Vehicle.id, Vehicle.updated_at, Vehicle.retired_at)).where(
            Vehicle.owner_id == owner
        ),
        select(
            *stamp_columns(
                "reading", OdometerReading.id, OdometerReading.read_on, OdometerReading.miles
            )
        ).where(OdometerReading.vehicle_id.in_(cars)),
        select(
            *stamp_columns(
                "service",
                ServiceRecord.id,
                ServiceRecord.vehicle_id,
                ServiceRecord.performed_on,
                ServiceRecord.miles,
                ServiceRecord.recall_code,
            )
        ).where(ServiceRecord.vehicle_id.in_(cars)),
        select(
            *stamp_columns(
                "product",
                ProtectionProduct.id,
                ProtectionProduct.vehicle_id,
                ProtectionProduct.name,
                ProtectionProduct.ends_on,
                ProtectionProduct.ends_at_miles,
            )
        ).where(ProtectionProduct.vehicle_id.in_(cars)),
        select(
            *stamp_columns(
                "advice",
                AdvisedWork.id,
                AdvisedWork.vehicle_id,
                AdvisedWork.what,
                AdvisedWork.due_on,
                AdvisedWork.due_miles,
                AdvisedWork.advised_on,
            )
        ).where(AdvisedWork.vehicle_id.in_(cars)),
        select(
            *stamp_columns(
                "reminder state",
                ReminderState.id,
                ReminderState.updated_at,
                ReminderState.snoozed_until,
                ReminderState.done_on,
            )
        ).where(ReminderState.user_id == owner),
        select(
            *stamp_columns("seasonal campaign", SeasonalCampaign.id, SeasonalCampaign.updated_at)
        ).where(SeasonalCampaign.active.is_(True)),
        select(
            *stamp_columns("recall campaign", RecallCampaign.id, RecallCampaign.updated_at)
        ).where(RecallCampaign.active.is_(True)),
    ]


@cache
def _stamp_statement(sources: tuple[FeedSource, ...]) -> CompoundSelect:
    """Built once per process for the installed sources; `:token_hash` and `:since` bound."""
    token_hash = bindparam("token_hash", type_=String)
    since = bindparam("since", type_=Event.ends_at.type)
    owner = select(CalendarFeed.user_id).where(CalendarFeed.token_hash == token_hash)
    feed_row = select(
        *stamp_columns(
            "feed",
            CalendarFeed.user_id,
            CalendarFeed.id,
            CalendarFeed.updated_at,
            CalendarFeed.include_reminders,
        )
    ).where(CalendarFeed.token_hash == token_hash)
    owner_id = owner.scalar_subquery()
    rows = [feed_row, *_own_rows(owner_id, since), *(s.versions(owner_id) for s in sources)]
    return union_all(*rows)


def feed_stamp(
    session: Session, token: str, now: datetime, today: date, *context: str
) -> FeedStamp | None:
    """The feed this address opens and its stamp, or None; one statement (and the settings,
    read once per transaction). `context` names what else the body depends on (the address
    it is read at)."""
    values = {"token_hash": hash_token(token), "since": now - timedelta(days=FEED_HISTORY_DAYS)}
    rows = page_rows(session, _stamp_statement(installed_sources()), values)
    lines = sorted(f"{part}\x1f{key}\x1f{version}" for part, key, version in rows)
    owner_id = next((int(line.split("\x1f")[1]) for line in lines if line[:5] == "feed\x1f"), None)
    if owner_id is None:
        return None
    # Stored settings, and the dealership's own with the deployment's defaults filled in.
    settings = repr([sorted(stored_settings(session).items()), dealership_profile(session)])
    parts = [*context, today.isoformat(), settings, _release()]
    digest = hashlib.sha256("\x1e".join(parts).encode())
    digest.update("\x1e".join(lines).encode())
    return FeedStamp(owner_id, digest.hexdigest()[:32])


@cache
def _release() -> str:
    """A digest of the portal's code, read once per process: a release that words the feed
    differently changes every stamp, so calendars fetch the new text at once."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _KeptBodies:
    """Built bodies by stamp, at most `limit` bytes of them, the least recently read dropped
    first; safe across threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.bodies: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self.lock:
            body = self.bodies.get(etag)
            if body is not None:
                self.bodies.move_to_end(etag)
            return body

    def keep(self, etag: str, body: bytes) -> None:
        with self.lock:
            if etag not in self.bodies:
                self.bodies[etag] = body
                self.size += len(body)
            while self.size > self.limit:
                self.size -= len(self.bodies.popitem(last=False)[1])


def feed_body(stamp: FeedStamp, build: Callable[[], bytes]) -> bytes:
    """The body kept under this stamp, or `build()`'s, kept for the next reader."""
    kept = current_app.extensions.setdefault(_BODIES, _KeptBodies(KEPT_BYTES))
    body = kept.get(stamp.etag)
    if body is None:
        body = build()
        kept.keep(stamp.etag, body)
    return body
