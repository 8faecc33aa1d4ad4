"""Rewards changes: the catalogue, redeeming under concurrency, fulfilling and declining."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.services.members import lock_owner
from portal.charity import services as charity
from portal.charity.models import Drive, DriveStatus
from portal.errors import ServiceError
from portal.events.models import Event
from portal.events.rules import spoken_when
from portal.events.services.reward_seats import hold_reward_seat, release_reward_seat
from portal.notifications.services import Message, notify_many
from portal.points.queries import points_balance
from portal.points.services import award_points
from portal.rewards.models import Category, Redemption, RedemptionStatus, Reward
from portal.rewards.rules import offer_window

#: A reward as a coordinator keeps it (and as its audit entries record it).
REWARD_FIELDS = (
    "name",
    "description",
    "category",
    "points_cost",
    "min_tier",
    "stock",
    "available_from",
    "available_until",
    "is_active",
    "event_id",
)
#: What the catalogue form sets directly; the two dates go through `offer_window`, and the
#: event (0 or None: none) is checked by `_check_seat_event`.
REWARD_EDITABLE = tuple(
    name for name in REWARD_FIELDS if name not in ("available_from", "available_until", "event_id")
)


def take_one_from_stock(session: Session, reward_id: int) -> bool:
    """Decrement stock in one conditional statement; False when none was left."""
    result = session.execute(
        update(Reward)
        .where(Reward.id == reward_id, or_(Reward.stock.is_(None), Reward.stock > 0))
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def save_reward(
    session: Session,
    reward: Reward | None,
    values: dict[str, Any],
    *,
    first_day: date | None,
    last_day: date | None,
    zone: ZoneInfo,
) -> Reward:
    """Add a reward to the catalogue, or change one, offered from the first day to the last.

    `values["event_id"]` (optional) ties an experience to an event whose seats it gives.
    """
    starts, ends = offer_window(first_day, last_day, zone)
    reward = reward or Reward()
    for name in REWARD_EDITABLE:
        setattr(reward, name, values[name])
    reward.available_from, reward.available_until = starts, ends
    reward.description = reward.description or ""
    if "event_id" in values:
        reward.event_id = values["event_id"] or None
    _check_seat_event(session, reward)
    session.add(reward)
    session.flush()
    return reward


def _check_seat_event(session: Session, reward: Reward) -> None:
    """A reward gives seats only as an experience, at an event that is still to come."""
    if reward.event_id is None:
        return
    if reward.category != Category.EXPERIENTIAL:
        raise ServiceError("Only an experience can come with a seat at an event.", "event_id")
    event = session.get(Event, reward.event_id)
    if event is None or event.is_cancelled:
        raise ServiceError("Choose an event that is still going ahead.", "event_id")


def _chosen_drive(session: Session, drive_id: int | None) -> Drive:
    """The open drive an owner chose for an altruistic reward."""
    if drive_id is None:
        raise ServiceError("Choose the charity drive your points should go to.", "drive")
    drive = session.get(Drive, drive_id)
    if drive is None or drive.status != DriveStatus.OPEN:
        raise ServiceError(
            "That drive isn't taking gifts any more. Please choose another one.", "drive"
        )
    return drive


def redeem(
    session: Session,
    *,
    user: User,
    reward_id: int,
    now: datetime,
    drive_id: int | None = None,
    request_token: str | None = None,
    secret_key: str | None = None,
) -> Redemption:
    """Spend points on a reward: one transaction, never negative stock or balance.

    Order: lock the owner, return the redemption this form already made (a double
    submit), check the balance, take one from stock with a conditional UPDATE, then
    append the negative ledger line and the pending redemption. An altruistic reward
    gives the points to the open drive the owner chose, in the same transaction. A reward
    tied to an event holds the owner's seat there (with the conditional UPDATE RSVPs use)
    and issues the ticket, after the stock, in the same transaction; `secret_key` derives
    the ticket. The caller commits (or rolls back on ServiceError: nothing is then taken).
    """
    lock_owner(session, user.id)
    if request_token:
        # Under the owner's lock: a second submit of the same form waits for the first,
        # then finds what it made.
        earlier = session.scalar(
            select(Redemption).where(
                Redemption.user_id == user.id, Redemption.request_token == request_token
            )
        )
        if earlier is not None:
            return earlier
    reward = session.get(Reward, reward_id, populate_existing=True)
    if reward is None or not reward.is_available(now):
        raise ServiceError("This reward is no longer offered.")
    if user.tier_level < reward.min_tier:
        raise ServiceError("This reward opens at a higher tier.")
    drive = _chosen_drive(session, drive_id) if reward.category == Category.ALTRUISTIC else None
    balance = points_balance(session, user.id)
    if balance < reward.points_cost:
        raise ServiceError(
            f"You have {balance:,} points; this reward needs {reward.points_cost:,}."
        )
    if not take_one_from_stock(session, reward.id):
        raise ServiceError("Sorry, the last one has just gone.")
    seat = None
    if reward.event_id is not None:
        if not secret_key:
            raise ValueError("A seat reward needs the app's secret key to issue its ticket.")
        seat = hold_reward_seat(
            session, event_id=reward.event_id, user=user, now=now, secret_key=secret_key
        )
    redemption = Redemption(
        user_id=user.id,
        reward_id=reward.id,
        points=reward.points_cost,
        status=RedemptionStatus.PENDING,
        cause=drive.name if drive else None,
        drive_id=drive.id if drive else None,
        request_token=request_token or None,
        created_at=now,
        rsvp_id=seat.rsvp.id if seat else None,
        rsvp_was=seat.was if seat else None,
    )
    session.add(redemption)
    session.flush()
    award_points(
        session,
        user_id=user.id,
        points=-reward.points_cost,
        idempotency_key=f"redemption:{redemption.id}",
        reason=f"Redeemed: {reward.name}" + (f" for {drive.name}" if drive else ""),
        now=now,
        redemption_id=redemption.id,
    )
    if drive is not None:
        charity.record_points_donation(
            session,
            drive=drive,
            user=user,
            points=reward.points_cost,
            idempotency_key=f"redemption:{redemption.id}",
            now=now,
        )
    return redemption


def _decide(session: Session, redemption_id: int, status: RedemptionStatus, values: dict) -> bool:
    """Move a pending redemption to `status`; False when someone decided it first."""
    result = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == RedemptionStatus.PENDING)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def fulfil(
    session: Session,
    *,
    redemption: Redemption,
    actor: User,
    fulfilled_on: date,
    note: str | None,
    now: datetime,
) -> None:
    """Record that the reward was given (when, and a note for the owner)."""
    decided = _decide(
        session,
        redemption.id,
        RedemptionStatus.FULFILLED,
        {
            "decided_at": now,
            "decided_by_id": actor.id,
            "fulfilled_on": fulfilled_on,
            "staff_note": (note or "").strip() or None,
        },
    )
    if not decided:
        raise ServiceError("This redemption was already fulfilled or declined.")
    session.refresh(redemption)


def decline(
    session: Session,
    *,
    redemption: Redemption,
    actor: User,
    note: str | None,
    now: datetime,
    secret_key: str = "",
    event_url: str = "",
) -> list[int]:
    """Decline a pending redemption: the points come back by a reversing line, stock returns.

    Points given to a drive are taken back from it by a reversing contribution, so the
    drive's total drops back by what they were worth. A reward seat is given back and the
    owner's RSVP put back as it was; the freed seat goes to the waitlist (`secret_key` and
    `event_url` are for the promoted owners' tickets and messages). Returns the ids of
    those messages, to dispatch after commit.
    """
    decided = _decide(
        session,
        redemption.id,
        RedemptionStatus.DECLINED,
        {"decided_at": now, "decided_by_id": actor.id, "staff_note": (note or "").strip() or None},
    )
    if not decided:
        raise ServiceError("This redemption was already fulfilled or declined.")
    session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id, Reward.stock.is_not(None))
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    award_points(
        session,
        user_id=redemption.user_id,
        points=redemption.points,
        idempotency_key=f"redemption:{redemption.id}:reversal",
        reason=f"Returned: {redemption.reward.name}",
        now=now,
        redemption_id=redemption.id,
    )
    if redemption.drive_id is not None:
        charity.reverse_points_donation(
            session, idempotency_key=f"redemption:{redemption.id}", now=now
        )
    notification_ids = []
    if redemption.rsvp_id is not None:
        if not secret_key:
            raise ValueError("Freeing a reward seat needs the app's secret key for tickets.")
        notification_ids = release_reward_seat(
            session,
            rsvp_id=redemption.rsvp_id,
            was=redemption.rsvp_was,
            now=now,
            secret_key=secret_key,
            event_url=event_url,
        )
    session.refresh(redemption)
    return notification_ids


def tell_owner_of_seat(
    session: Session, redemption: Redemption, *, event_path: str, tz: str, now: datetime
) -> list[int]:
    """Queue the owner's receipt for a reward seat: the event, when, where the ticket is.

    A receipt of the owner's own request (transactional); a double submit queues it once.
    """
    event, owner = redemption.rsvp.event, redemption.user
    body = (
        f"Hello {owner.first_name},\n\n"
        f"Your VIP seat at {event.title} is reserved, with your {redemption.reward.name}. "
        f"It's on {spoken_when(event.starts_at, event.ends_at, tz)}, at {event.location}.\n\n"
        "Your ticket is on the event's page: the team scans it at the door.\n\n"
        "If you can't come after all, please let the team know: they'll free your seat for "
        "someone on the waitlist and return your points."
    )
    message = Message(
        user=owner,
        key=f"redemption:{redemption.id}:seat",
        kind="reward",
        subject=f"Your VIP seat at {event.title}",
        body=body,
        action_path=event_path,
        action_label="See your ticket",
    )
    return notify_many(session, [message], now)


def tell_owner_of_decision(
    session: Session, redemption: Redemption, *, detail_path: str, now: datetime
) -> list[int]:
    """Queue the owner's message about a fulfilled or declined redemption; ids to dispatch."""
    reward, owner = redemption.reward.name, redemption.user
    note = f"\n\n{redemption.staff_note}" if redemption.staff_note else ""
    if redemption.status == RedemptionStatus.FULFILLED:
        subject = f"Your {reward} is ready"
        body = (
            f"Hello {owner.first_name},\n\n"
            f"Your {reward} has been arranged. Thank you for being part of the club.{note}"
        )
    else:
        withdrawn = (
            f" The gift to {redemption.cause} has been taken off the drive's total."
            if redemption.drive_id
            else ""
        )
        subject = f"About your {reward}"
        body = (
            f"Hello {owner.first_name},\n\n"
            f"We're sorry: we couldn't arrange your {reward} this time, so your "
            f"{redemption.points:,} points are back in your balance.{withdrawn}{note}"
        )
    message = Message(
        user=owner,
        key=f"redemption:{redemption.id}:{redemption.status}",
        kind="reward",
        subject=subject,
        body=body,
        action_path=detail_path,
        action_label="See the details",
    )
    return notify_many(session, [message], now)
