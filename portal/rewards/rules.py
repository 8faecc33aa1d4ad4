"""Rewards rules without a database: whether an owner may redeem, and a reward's dates."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.errors import ServiceError
from portal.events.models import Event, Rsvp, RsvpStatus
from portal.rewards.models import Category, Reward


@dataclass(frozen=True)
class RedeemCheck:
    """Whether an owner may redeem a reward now, and if not, why (shown on the card)."""

    allowed: bool
    reason: str | None = None


def seat_reason(event: Event, rsvp: Rsvp | None, now: datetime) -> str | None:
    """Why a seat reward can't hold the owner's seat at its event now, if it can't.

    An owner who already has a seat there can still redeem: that seat becomes the reward's.
    """
    if event.is_cancelled or now >= event.starts_at:
        return "This event has already taken place or was called off."
    if rsvp is not None and rsvp.via_reward and rsvp.holds_seat:
        return "Your VIP seat is reserved."
    if rsvp is not None and rsvp.status == RsvpStatus.CONFIRMED:
        return None
    needed = rsvp.seats if rsvp is not None and rsvp.status == RsvpStatus.WAITLISTED else 1
    if event.seats_left < needed:
        return "The event is full just now, so there's no seat to reserve. Your points will keep."
    return None


def redeem_check(
    reward: Reward,
    *,
    balance: int,
    tier_level: int,
    tier_name: str,
    drive_open: bool = True,
    no_seat: str | None = None,
) -> RedeemCheck:
    """The reason the redeem button is unavailable, if there is one.

    `drive_open`: some charity drive can take this reward's points now (altruistic rewards).
    `no_seat`: why a seat reward can't hold a seat now (`seat_reason`).
    """
    if reward.category == Category.ALTRUISTIC and not drive_open:
        return RedeemCheck(
            False, "No charity drive is taking gifts right now. Your points will keep."
        )
    if reward.stock is not None and reward.stock <= 0:
        return RedeemCheck(False, "All taken for now.")
    if no_seat:
        return RedeemCheck(False, no_seat)
    if tier_level < reward.min_tier:
        return RedeemCheck(False, f"Opens at {tier_name}.")
    if balance < reward.points_cost:
        return RedeemCheck(False, f"{reward.points_cost - balance:,} more points to go.")
    return RedeemCheck(True)


def _start_of(day: date | None, zone: ZoneInfo) -> datetime | None:
    """Local midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time(), zone).astimezone(UTC) if day else None


def offer_window(
    first_day: date | None, last_day: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """(from, until) in UTC for a reward offered from the first day to the end of the last.

    Either day may be left open; a last day before the first is refused.
    """
    starts = _start_of(first_day, zone)
    ends = _start_of(last_day + timedelta(days=1), zone) if last_day else None
    if starts and ends and ends <= starts:
        raise ServiceError("The last day comes after the first.", "available_until")
    return starts, ends


def offer_days(reward: Reward, zone: ZoneInfo) -> tuple[date | None, date | None]:
    """(first day, last day) of a reward's window at the dealership, as a form shows them."""
    first = reward.available_from.astimezone(zone).date() if reward.available_from else None
    until = reward.available_until
    last = until.astimezone(zone).date() - timedelta(days=1) if until else None
    return first, last
