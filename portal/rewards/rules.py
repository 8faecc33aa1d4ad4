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
    """The reason the redeem button is unavailable, if there is one (`redeem_refusal`)."""
    reason = redeem_refusal(
        reward.category,
        reward.stock,
        reward.min_tier,
        reward.points_cost,
        balance=balance,
        tier_level=tier_level,
        tier_name=tier_name,
        drive_open=drive_open,
        no_seat=no_seat,
    )
    return RedeemCheck(reason is None, reason)


def redeem_refusal(
    category: str,
    stock: int | None,
    min_tier: int,
    points_cost: int,
    *,
    balance: int,
    tier_level: int,
    tier_name: str,
    drive_open: bool = True,
    no_seat: str | None = None,
) -> str | None:
    """Why an owner may not redeem a reward now (its card says it), None when they may.

    `drive_open`: some charity drive can take this reward's points now (altruistic rewards).
    `no_seat`: why a seat reward can't hold a seat now (`seat_reason`).
    """
    if category == Category.ALTRUISTIC and not drive_open:
        return "No charity drive is taking gifts right now. Your points will keep."
    if stock is not None and stock <= 0:
        return "All taken for now."
    if no_seat:
        return no_seat
    if tier_level < min_tier:
        return f"Opens at {tier_name}."
    if balance < points_cost:
        return f"{points_cost - balance:,} more points to go."
    return None


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
