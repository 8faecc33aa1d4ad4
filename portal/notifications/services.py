"""Create notifications under a unique key, deliver them once, mark them read, record consent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from portal.mail import Attachment, Mailer
from portal.notifications.models import ContactChannel, DeliveryStatus, Notification
from portal.notifications.rules import Category
from portal.sms import SmsBackend

if TYPE_CHECKING:
    from portal.accounts.models import User

#: After this many failed attempts a message waits for an admin to retry it.
MAX_ATTEMPTS = 5
#: A dispatcher that died mid-send releases its claim after this long.
STALE_CLAIM = timedelta(minutes=15)
#: A dispatcher writes what it sent after this many messages (and at the end of a batch).
RESULTS_PER_COMMIT = 10
#: Where a session keeps the ids of the messages it queued, to send once it commits.
QUEUED = "portal.queued_notifications"


class Consent(StrEnum):
    """Which of the owner's consents a message needs; transactional ones need none."""

    SERVICE = "service"
    EVENT_INVITES = "event_invites"
    CELEBRATIONS = "celebrations"
    TRANSACTIONAL = "transactional"


def has_consent(user: User, consent: Consent) -> bool:
    """Whether the owner agreed to this kind of message."""
    return {
        Consent.SERVICE: user.consent_service,
        Consent.EVENT_INVITES: user.consent_event_invites,
        Consent.CELEBRATIONS: user.birthday_messages,
        Consent.TRANSACTIONAL: True,
    }[consent]


@dataclass(frozen=True)
class Message:
    """One message to one person, before it is claimed."""

    user: User
    #: Unique per message, e.g. "reminder:service:vehicle-12:2026-05-01".
    key: str
    kind: str
    subject: str
    body: str
    consent: Consent = Consent.TRANSACTIONAL
    action_path: str | None = None
    action_label: str | None = None
    #: What it is about across versions (a reminder's key): email or text hear of it once.
    topic: str | None = None
    #: Counts against the weekly budget; by default everything but transactional replies.
    budgeted: bool | None = None
    #: A consent the message needs to go out by email or text; without it, it still reaches
    #: the inbox (which `consent` alone would not: a message lacking it is not made at all).
    channel_consent: Consent | None = None


def notify(
    session: Session,
    *,
    user: User,
    key: str,
    kind: str,
    subject: str,
    body: str,
    now: datetime,
    consent: Consent = Consent.TRANSACTIONAL,
    action_path: str | None = None,
    action_label: str | None = None,
    topic: str | None = None,
) -> int | None:
    """Claim and queue one message; returns its id, or None when already claimed or not wanted.

    The insert under the unique `key` is the claim: a second call with the same key, from
    this process or another, inserts nothing.
    """
    message = Message(
        user, key, kind, subject, body, consent, action_path, action_label, topic=topic
    )
    ids = notify_many(session, [message], now)
    return ids[0] if ids else None


def notify_many(session: Session, messages: Sequence[Message], now: datetime) -> list[int]:
    """Claim and queue many messages in one statement; returns the ids of those newly claimed."""
    rows = [_row(message, now) for message in messages if _wanted(message)]
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Notification)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notification.id)
    )
    ids = list(session.scalars(statement, rows))
    session.info.setdefault(QUEUED, []).extend(ids)
    return ids


def _wanted(message: Message) -> bool:
    return message.user.is_active and has_consent(message.user, message.consent)


def goes_out(user: User, channel_consent: Consent | None = None) -> bool:
    """Whether a message to the owner leaves the inbox for their email or phone: they chose
    one of those, and agreed to `channel_consent` when the message names one."""
    return user.preferred_channel in (ContactChannel.EMAIL, ContactChannel.SMS) and (
        channel_consent is None or has_consent(user, channel_consent)
    )


def _row(message: Message, now: datetime) -> dict:
    channel = message.user.preferred_channel
    status = (
        DeliveryStatus.PENDING
        if goes_out(message.user, message.channel_consent)
        else DeliveryStatus.INBOX_ONLY
    )
    return {
        "user_id": message.user.id,
        "key": message.key,
        "kind": message.kind,
        "subject": message.subject,
        "body": message.body,
        "action_path": message.action_path,
        "action_label": message.action_label,
        "topic": message.topic,
        "budgeted": (
            message.consent != Consent.TRANSACTIONAL
            if message.budgeted is None
            else message.budgeted
        ),
        "channel": channel,
        "status": status,
        "attempts": 0,
        "created_at": now,
        "sent_at": now if status == DeliveryStatus.INBOX_ONLY else None,
    }


@dataclass
class DeliveryReport:
    """What one dispatch pass did."""

    sent: int = 0
    failed: int = 0


#: Decides, inside the claim, which claimed messages go to their channel now (the budget).
Route = Callable[[Session, Sequence[int], datetime], list[int]]


def _claim_batch(
    session: Session,
    now: datetime,
    limit: int,
    only_ids: Sequence[int] | None,
    after_id: int,
    route: Route | None = None,
) -> tuple[int, list[int]]:
    """Take up to `limit` deliverable messages past `after_id` and commit the claim; returns
    the last id looked at and the ids to send.

    Walking forward by id means one run tries each message at most once; a failure waits
    for the next run. `route` holds some back (over the owner's budget, or already heard)
    in the same transaction.
    """
    deliverable = or_(
        Notification.status == DeliveryStatus.PENDING,
        (Notification.status == DeliveryStatus.FAILED) & (Notification.attempts < MAX_ATTEMPTS),
        (Notification.status == DeliveryStatus.SENDING)
        & (Notification.claimed_at < now - STALE_CLAIM),
    )
    query = (
        select(Notification.id)
        .where(deliverable, Notification.id > after_id)
        .order_by(Notification.id)
        .limit(limit)
    )
    if only_ids is not None:
        query = query.where(Notification.id.in_(only_ids))
    # PostgreSQL: rows another host is claiming are skipped. SQLite: BEGIN IMMEDIATE already
    # serialises this whole transaction, so no lock clause is needed (nor allowed).
    ids = list(session.scalars(query.with_for_update(skip_locked=True)))
    last_id = ids[-1] if ids else after_id
    if ids and route is not None:
        ids = route(session, ids, now)
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), deliverable)
            .values(
                status=DeliveryStatus.SENDING,
                claimed_at=now,
                attempts=Notification.attempts + 1,
            )
        )
    session.commit()
    return last_id, ids


def deliver_pending(
    session: Session,
    *,
    mailer: Mailer,
    sms: SmsBackend,
    now: datetime,
    render_email: Callable[[Notification], tuple[str, str, dict[str, str]]],
    only_ids: Sequence[int] | None = None,
    batch_size: int = 200,
    route: Route | None = None,
    attachments_for: Callable[[Notification], Sequence[Attachment]] | None = None,
) -> DeliveryReport:
    """Send every deliverable message once; a failure is recorded and retried next time.

    Messages are claimed in batches (one transaction each) and sent over one mail
    connection for the whole run. Results are written every `RESULTS_PER_COMMIT` messages,
    in a short transaction, so a dispatcher that dies mid-batch has sent at most that many
    messages it did not record (another run sends them again once the claim is stale).
    `render_email(notification)` returns (text, html, headers) with the consent link;
    `route` (the owner's weekly budget) decides which claimed messages go out now;
    `attachments_for(notification)`, when given, the files an email carries: built as the
    batch goes out (a queued message stays a row of text), before its first message, while
    no transaction of the dispatcher's is open (a builder may read the database).
    """
    report = DeliveryReport()
    last_id = 0
    with mailer.connection():
        while True:
            seen, ids = _claim_batch(session, now, batch_size, only_ids, last_id, route)
            if seen == last_id:
                break
            last_id = seen
            results: list[tuple[int, str | None]] = []
            batch = _load_batch(session, ids)
            files = _attachments(batch, attachments_for)
            for notification in batch:
                error = _deliver(notification, mailer, sms, render_email, files[notification.id])
                results.append((notification.id, error))
                report.sent += error is None
                report.failed += error is not None
                if len(results) == RESULTS_PER_COMMIT:
                    _record_results(session, results, now)
                    results = []
            _record_results(session, results, now)
    return report


def _load_batch(session: Session, ids: Sequence[int]) -> list[Notification]:
    """The claimed messages with their recipients, loaded apart from `session`.

    They are read in a short session of their own and detached, so the commits that record
    results neither expire nor reload them, and no transaction stays open while mail goes
    out (on SQLite an open transaction here would hold the write lock).
    """
    with Session(session.get_bind()) as reader:
        return list(
            reader.scalars(
                select(Notification)
                .options(joinedload(Notification.user))
                .where(Notification.id.in_(ids))
                .order_by(Notification.id)
            ).unique()
        )


def _attachments(
    batch: Sequence[Notification],
    attachments_for: Callable[[Notification], Sequence[Attachment]] | None,
) -> dict[int, Sequence[Attachment] | Exception]:
    """Each message's files (none for a text), or the error that stopped them being built."""
    files: dict[int, Sequence[Attachment] | Exception] = {}
    for notification in batch:
        try:
            files[notification.id] = (
                attachments_for(notification)
                if attachments_for and notification.channel != ContactChannel.SMS
                else ()
            )
        except Exception as error:  # noqa: BLE001 - recorded as the message's failure
            files[notification.id] = error
    return files


def _deliver(
    notification: Notification,
    mailer: Mailer,
    sms: SmsBackend,
    render_email: Callable[[Notification], tuple[str, str, dict[str, str]]],
    files: Sequence[Attachment] | Exception = (),
) -> str | None:
    """Hand one message to its channel; returns the error, or None when it went out."""
    user = notification.user
    try:
        if isinstance(files, Exception):
            raise files
        if notification.channel == ContactChannel.SMS:
            if not user.phone:
                raise RuntimeError("no phone number on file for a text message")
            sms.send(user.phone, f"{notification.subject}: {notification.body}"[:640])
        else:
            text, html, headers = render_email(notification)
            mailer.send(user.email, notification.subject, text, html, headers, files)
    except Exception as error:  # noqa: BLE001 - any failure is recorded, not lost
        return f"{type(error).__name__}: {error}"[:2000]
    return None


def _record_results(
    session: Session, results: Sequence[tuple[int, str | None]], now: datetime
) -> None:
    """Commit what became of some messages: sent, or failed with the error (retried later)."""
    sent = [notification_id for notification_id, error in results if error is None]
    if sent:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(sent))
            .values(status=DeliveryStatus.SENT, sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )
    for notification_id, error in results:
        if error is not None:
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(status=DeliveryStatus.FAILED, last_error=error)
                .execution_options(synchronize_session=False)
            )
    session.commit()


def mark_read(session: Session, notification_id: int, now: datetime) -> bool:
    """Mark one message read (a page opened it); False when it already was."""
    return (
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.read_at.is_(None))
            .values(read_at=now)
        ).rowcount
        == 1
    )


def mark_all_read(session: Session, user: User, now: datetime) -> int:
    """Mark every unread message read; returns how many."""
    return session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    ).rowcount


def retry_failed(session: Session, notification_id: int) -> bool:
    """Queue a failed message again with a fresh set of attempts; False if it is not failed."""
    return (
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == DeliveryStatus.FAILED)
            .values(status=DeliveryStatus.PENDING, attempts=0)
        ).rowcount
        == 1
    )


def save_consents(
    user: User, *, consent_service: bool, consent_event_invites: bool, birthday_messages: bool
) -> None:
    """Record which messages the owner agrees to; birthday notes need a known birthday."""
    user.consent_service = consent_service
    user.consent_event_invites = consent_event_invites
    user.birthday_messages = birthday_messages and user.birthday is not None


#: The owner's consent that each category of message needs.
_CONSENT_FIELD = {
    Category.SERVICE: "consent_service",
    Category.EVENT_INVITES: "consent_event_invites",
    Category.CELEBRATIONS: "birthday_messages",
}


def is_subscribed(user: User, category: Category) -> bool:
    """Whether messages of this category still reach the owner by email (or at all)."""
    if category == Category.EMAIL:
        return user.preferred_channel == ContactChannel.EMAIL
    return getattr(user, _CONSENT_FIELD[category])


def unsubscribe(user: User, category: Category) -> bool:
    """Turn off one category of message for the owner; False when it already was off.

    EMAIL (messages that need no consent: bookings, rewards, the account) moves an owner
    who hears from us by email to the portal inbox, where those messages keep arriving.
    """
    if not is_subscribed(user, category):
        return False
    if category == Category.EMAIL:
        user.preferred_channel = ContactChannel.INBOX
    else:
        setattr(user, _CONSENT_FIELD[category], False)
    return True
