"""Service lane rules without a database: settings, who sees which days, the held share."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.accounts.models import AMBASSADOR_LEVEL, User

#: The lane's settings, stored with the dealership's (key-value) and edited by admins.
DEFAULTS: dict[str, Any] = {
    #: How far ahead members can book, in days from today.
    "servicelane.days_ahead": 14,
    #: How many days before members ambassadors (and above) see new days.
    "servicelane.priority_days": 7,
    #: The share of each window's places kept for ambassadors, in per cent.
    "servicelane.priority_share_percent": 20,
    #: The kept share is released to everyone this many hours before the day begins.
    "servicelane.priority_release_hours": 48,
    #: Owners can move or cancel until this many hours before their slot.
    "servicelane.change_cutoff_hours": 24,
}


@dataclass(frozen=True)
class LaneSettings:
    """The numbers the lane's rules use, read from the dealership's settings."""

    days_ahead: int = 14
    priority_days: int = 7
    priority_share_percent: int = 20
    priority_release_hours: int = 48
    change_cutoff_hours: int = 24

    @classmethod
    def from_stored(cls, values: dict[str, Any]) -> "LaneSettings":
        """From {"servicelane.days_ahead": 14, ...}."""
        return cls(
            **{key.removeprefix("servicelane."): int(value) for key, value in values.items()}
        )


@dataclass(frozen=True)
class Window:
    """One window of a day as owners and staff see it (local times)."""

    starts_at: time
    ends_at: time
    capacity: int


@dataclass(frozen=True)
class Opening:
    """A window on a date with what is left of it for one person."""

    day: date
    starts_at: time
    ends_at: time
    capacity: int
    booked: int
    #: Places kept for ambassadors in this window right now (0 once released).
    held: int
    #: Places this person can still take.
    free: int

    @property
    def value(self) -> str:
        """How a form names the slot: "2026-12-10T08:00"."""
        return f"{self.day.isoformat()}T{self.starts_at:%H:%M}"


def is_priority(user: User | None) -> bool:
    """Ambassadors and the tiers above them book with priority."""
    return user is not None and user.tier_level >= AMBASSADOR_LEVEL


def last_bookable_day(today: date, settings: LaneSettings, priority: bool) -> date:
    """The furthest day this person can book: ambassadors see `priority_days` further."""
    extra = settings.priority_days if priority else 0
    return today + timedelta(days=settings.days_ahead + extra)


def held_places(capacity: int, share_percent: int) -> int:
    """Places of a window kept for ambassadors: the share, rounded half up.

    The same arithmetic runs in SQL in the conditional UPDATE (`services.take_place`).
    """
    return (capacity * share_percent + 50) // 100


def day_begins(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the dealership at the start of `day`."""
    return datetime.combine(day, time(), tzinfo=zone)


def share_is_held(day: date, now: datetime, settings: LaneSettings, zone: ZoneInfo) -> bool:
    """Whether the ambassadors' share of `day` is still kept for them at `now`."""
    release = day_begins(day, zone) - timedelta(hours=settings.priority_release_hours)
    return now < release


def slot_start(day: date, starts_at: time, zone: ZoneInfo) -> datetime:
    """The aware moment a slot begins."""
    return datetime.combine(day, starts_at, tzinfo=zone)


def change_deadline(day: date, starts_at: time, settings: LaneSettings, zone: ZoneInfo) -> datetime:
    """Until when the owner can move or cancel a booking for this slot."""
    return slot_start(day, starts_at, zone) - timedelta(hours=settings.change_cutoff_hours)


def windows_on(
    day: date, weekly: dict[int, list[Window]], exceptions: dict[date, int | None]
) -> list[Window]:
    """The day's windows: the weekday's, closed or re-sized by an exception for the date."""
    windows = weekly.get(day.weekday(), [])
    if day not in exceptions:
        return windows
    capacity = exceptions[day]
    if capacity is None:
        return []
    return [Window(w.starts_at, w.ends_at, capacity) for w in windows]


def opening(
    day: date, window: Window, booked: int, held: int, priority: bool, staff: bool = False
) -> Opening:
    """What is left of a window for one person: ambassadors and staff may use the held share."""
    limit = window.capacity if priority or staff else window.capacity - held
    return Opening(
        day, window.starts_at, window.ends_at, window.capacity, booked, held, max(limit - booked, 0)
    )


def overlaps(a: tuple[time, time], b: tuple[time, time]) -> bool:
    """Whether two windows of one weekday overlap."""
    return a[0] < b[1] and b[0] < a[1]


def priority_sentence(settings: LaneSettings) -> str:
    """What priority booking means, in one sentence for the owner's rewards page."""
    furthest = settings.days_ahead + settings.priority_days
    parts = [f"you can book up to {furthest} days ahead"]
    if settings.priority_days:
        parts.append(f"{settings.priority_days} days before members")
    if settings.priority_share_percent:
        parts.append(
            f"{settings.priority_share_percent}% of each day's slots are kept for ambassadors "
            f"until {settings.priority_release_hours} hours before"
        )
    if len(parts) == 1:
        return f"As an ambassador {parts[0]}."
    return f"As an ambassador {', '.join(parts[:-1])}, and {parts[-1]}."


def parse_slot(value: str) -> tuple[date, time] | None:
    """A form's slot value ("2026-12-10T08:00") as (day, start), or None when it is not one."""
    if not isinstance(value, str) or len(value) != 16 or value[10] != "T":
        return None
    try:
        return date.fromisoformat(value[:10]), time.fromisoformat(value[11:])
    except ValueError:
        return None
