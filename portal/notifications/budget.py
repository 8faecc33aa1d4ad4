"""One calm voice: how many messages reach an owner's email or phone, and the digest of the rest.

When a dispatcher claims messages it asks `route_claimed` which of them go out now. A message
whose topic (a reminder, whether due soon or overdue) already reached the owner's email or
phone stays in the inbox as a repeat; a budgeted message beyond the owner's weekly limit is
folded: it is in the inbox at once and goes out later in one digest, which `queue_digests`
builds once the owner's week has room again. The digest counts against the budget like any
other message, so an owner never hears from us by email or text more than the limit in any
seven days. Replies to what the owner just did (a visit request, a password reset) are not
budgeted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.services import Consent, Message, notify_many

#: The rolling window the weekly limit counts over.
WINDOW = timedelta(days=7)
#: The kind of the message that gathers folded ones.
DIGEST = "digest"
#: Statuses of messages that went, or are going, to the owner's email or phone.
SPENT = (DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED)
#: ...and of those that will, folded into a digest.
REACHED = (*SPENT, DeliveryStatus.FOLDED)


def _owner_model():
    """The owners' table, reached through `Notification.user` (accounts sit above us)."""
    return Notification.user.property.mapper.class_


def _lock_owners(session: Session, user_ids: Sequence[int]) -> None:
    """Lock the owners' rows, in id order, until the claim commits.

    Two dispatchers (PostgreSQL, several hosts) holding different messages for one owner
    would otherwise both see a free slot. SQLite's `BEGIN IMMEDIATE` already serialises.
    """
    owner = _owner_model()
    session.execute(
        select(owner.id).where(owner.id.in_(sorted(user_ids))).order_by(owner.id).with_for_update()
    ).all()


def _spent(session: Session, user_ids: Sequence[int], now: datetime, exclude=()) -> Counter:
    """How many budgeted messages each owner got (or is getting) by email or text this week."""
    query = (
        select(Notification.user_id, func.count())
        .where(
            Notification.user_id.in_(user_ids),
            Notification.budgeted.is_(True),
            Notification.status.in_(SPENT),
            Notification.claimed_at >= now - WINDOW,
        )
        .group_by(Notification.user_id)
    )
    if exclude:
        query = query.where(Notification.id.not_in(exclude))
    return Counter(dict(session.execute(query).all()))


def route_claimed(
    session: Session, ids: Sequence[int], now: datetime, weekly_limit: int | None
) -> list[int]:
    """Of the messages just claimed, those to hand to their channel now; the others are
    marked repeat or folded in the claim's own transaction.

    Only a message's first claim decides (a failed send that is retried already had its
    turn). `weekly_limit` None means no budget: only repeats are held back.
    """
    rows = session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.topic,
            Notification.budgeted,
            Notification.kind,
        )
        .where(Notification.id.in_(ids), Notification.status == DeliveryStatus.PENDING)
        .order_by(Notification.id)
    ).all()
    if not rows:
        return list(ids)
    owners = sorted({row.user_id for row in rows})
    _lock_owners(session, owners)
    topics = {row.topic for row in rows if row.topic}
    reached: set[tuple[int, str]] = set()
    if topics:
        reached.update(
            session.execute(
                select(Notification.user_id, Notification.topic).where(
                    Notification.topic.in_(topics),
                    Notification.user_id.in_(owners),
                    Notification.status.in_(REACHED),
                    Notification.id.not_in(ids),
                )
            ).all()
        )
    spent = _spent(session, owners, now, exclude=ids)
    held: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.topic and (row.user_id, row.topic) in reached:
            held[DeliveryStatus.REPEAT].append(row.id)
            continue
        if row.topic:
            reached.add((row.user_id, row.topic))
        if weekly_limit is None or not row.budgeted:
            continue
        if row.kind != DIGEST and spent[row.user_id] >= weekly_limit:
            held[DeliveryStatus.FOLDED].append(row.id)
            continue
        spent[row.user_id] += 1
    for status, held_ids in held.items():
        session.execute(
            update(Notification)
            .where(Notification.id.in_(held_ids))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
    skipped = {notification_id for group in held.values() for notification_id in group}
    return [notification_id for notification_id in ids if notification_id not in skipped]


def digest_body(first_name: str, subjects: Sequence[str]) -> str:
    """The digest's words: what else we had for the owner, each in full in their inbox."""
    listed = "\n".join(f"- {subject}" for subject in subjects)
    count = "one more message" if len(subjects) == 1 else f"{len(subjects)} more messages"
    return (
        f"Hello {first_name},\n\n"
        f"So we don't fill your mailbox, here in one note are {count} we had for you. "
        f"Each is in your inbox in full, with what to do next:\n\n{listed}\n\n"
        "Nothing here is urgent; look whenever it suits you."
    )


def queue_digests(session: Session, now: datetime, weekly_limit: int) -> list[int]:
    """Gather each owner's folded messages into one digest, once their week has room again.

    The digest's key (owner and day) is its claim, so overlapping runs build one; the
    messages it gathers are marked with its id, so none is summarised twice.
    """
    waiting: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for notification_id, user_id, subject in session.execute(
        select(Notification.id, Notification.user_id, Notification.subject)
        .where(Notification.status == DeliveryStatus.FOLDED, Notification.digest_id.is_(None))
        .order_by(Notification.user_id, Notification.id)
    ):
        waiting[user_id].append((notification_id, subject))
    if not waiting:
        return []
    _lock_owners(session, list(waiting))
    spent = _spent(session, list(waiting), now)
    owner = _owner_model()
    people = {
        person.id: person
        for person in session.scalars(select(owner).where(owner.id.in_(list(waiting))))
    }
    created = []
    for user_id, folded in waiting.items():
        person = people.get(user_id)
        if person is None or spent[user_id] >= weekly_limit:
            continue
        count = len(folded)
        message = Message(
            user=person,
            key=f"digest:user-{user_id}:{now:%Y-%m-%d}",
            kind=DIGEST,
            subject=(
                f"{person.first_name}, {count} more message{'s' if count != 1 else ''} "
                "from us, in one note"
            )[:200],
            body=digest_body(person.first_name, [subject for _, subject in folded]),
            action_path="/inbox",
            action_label="Open my inbox",
            budgeted=True,
            consent=Consent.TRANSACTIONAL,
        )
        for digest_id in notify_many(session, [message], now):
            session.execute(
                update(Notification)
                .where(
                    Notification.id.in_([notification_id for notification_id, _ in folded]),
                    Notification.digest_id.is_(None),
                )
                .values(digest_id=digest_id)
                .execution_options(synchronize_session=False)
            )
            created.append(digest_id)
    return created
