"""The reminder rules: pure functions from one car's (or owner's) facts and a date to reminders.

The dates, miles and status arithmetic and the rule for each kind of reminder live here;
the facts they read in `portal.reminders.facts`; seasonal and recall campaigns, and a car's
whole list of reminders, in `portal.reminders.campaigns`.

Every date here is a calendar date in the dealership's time zone; nothing counts hours, so
a daylight-saving switch cannot move a due date or a status.
"""

import calendar
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from portal.reminders import wording
from portal.reminders.facts import OwnerFacts, VehicleFacts

#: The settings an admin can edit, with the issue's defaults.
DEFAULTS: dict[str, Any] = {
    "reminders.service_interval_months": 6,
    "reminders.service_interval_miles": 5000,
    "reminders.due_soon_days": 30,
    "reminders.warranty_notice_days": 60,
    "reminders.anniversary_notice_days": 14,
    "reminders.birthday_notice_days": 7,
    "reminders.default_miles_per_day": 33,
}

#: How long an owner may snooze a reminder, in days.
SNOOZE_DAYS = (7, 30)

#: Readings must span at least this many days before they say how fast a car is driven.
MIN_RATE_SPAN_DAYS = 30


class Status(StrEnum):
    """How pressing a reminder is."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"


#: Sort order: overdue first, then due soon, then upcoming.
URGENCY = {Status.OVERDUE: 0, Status.DUE_SOON: 1, Status.UPCOMING: 2}


class Kind(StrEnum):
    """What a reminder is about."""

    SERVICE = "service"
    WARRANTY = "warranty"
    PROTECTION = "protection"
    ANNIVERSARY = "anniversary"
    BIRTHDAY = "birthday"
    SEASONAL = "seasonal"
    RECALL = "recall"
    ADVISED = "advised"


@dataclass(frozen=True)
class Settings:
    """The reminder settings in force."""

    service_interval_months: int = 6
    service_interval_miles: int = 5000
    due_soon_days: int = 30
    warranty_notice_days: int = 60
    anniversary_notice_days: int = 14
    birthday_notice_days: int = 7
    default_miles_per_day: float = 33

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "Settings":
        """Build from `reminders.*` keys as `read_settings` returns them."""
        return cls(**{key.removeprefix("reminders."): value for key, value in values.items()})


@dataclass(slots=True)
class Reminder:
    """One thing an owner should know about; its words are composed only when shown or sent."""

    key: str
    kind: Kind
    owner_id: int
    vehicle_id: int | None
    due_on: date
    status: Status
    #: Returns (what, why now, what to do); deferred so a fleet-wide listing stays fast.
    words: Callable[[], tuple[str, str, str]] = field(compare=False, repr=False)
    #: A service timed from the purchase (or first reading) because none is on file: the
    #: owner is asked when it was last serviced instead of being told it is due.
    asks_last_service: bool = False
    #: A service overdue by more than a whole interval: a win-back, not another notice.
    lapsed: bool = False

    @property
    def what(self) -> str:
        """A short headline: "Service due"."""
        return self.words()[0]

    @property
    def why_now(self) -> str:
        """Why we mention it now."""
        return self.words()[1]

    @property
    def what_to_do(self) -> str:
        """What the owner can do next."""
        return self.words()[2]

    @property
    def urgency(self) -> tuple[int, date]:
        return (URGENCY[self.status], self.due_on)


def status_for(due_on: date, today: date, window_days: int) -> Status:
    """overdue after the due date, due_soon within the window before it, upcoming otherwise."""
    if today > due_on:
        return Status.OVERDUE
    if (due_on - today).days <= window_days:
        return Status.DUE_SOON
    return Status.UPCOMING


def measured_rate(car: VehicleFacts) -> float | None:
    """Miles a day from the known readings (purchase included), or None when they say too
    little."""
    earliest, latest = car.first_reading, car.last_reading
    if car.purchase_date is not None and car.purchase_odometer is not None:
        bought = (car.purchase_date, car.purchase_odometer)
        if earliest is None:
            earliest = latest = bought
        else:
            earliest, latest = min(earliest, bought), max(latest, bought)
    if earliest is None:
        return None
    days = (latest[0] - earliest[0]).days
    miles = latest[1] - earliest[1]
    if days >= MIN_RATE_SPAN_DAYS and miles > 0:
        return miles / days
    return None


def driving_rate(car: VehicleFacts, default: float) -> float:
    """Miles a day from the known readings, or the default when they say too little."""
    measured = measured_rate(car)
    return default if measured is None else measured


def latest_known_miles(car: VehicleFacts) -> tuple[date, int] | None:
    """The most recent (date, miles) we know, purchase included."""
    latest = car.last_reading
    if car.purchase_date is not None and car.purchase_odometer is not None:
        bought = (car.purchase_date, car.purchase_odometer)
        if latest is None or bought > latest:
            return bought
    return latest


def estimated_miles(known: tuple[date, int] | None, on: date, rate: float) -> int | None:
    """The odometer on a date, projected from the latest known reading at the driving rate."""
    if known is None:
        return None
    return round(known[1] + rate * (on - known[0]).days)


def day_reaching(known: tuple[date, int] | None, target_miles: int, rate: float) -> date | None:
    """The day the projected odometer reaches `target_miles` (in the past if already passed)."""
    if known is None:
        return None
    on, miles = known
    if target_miles >= miles:
        return on + timedelta(days=math.ceil((target_miles - miles) / rate))
    return on - timedelta(days=math.floor((miles - target_miles) / rate))


def add_months(day: date, months: int) -> date:
    """The same day some months later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if day.day <= 28:
        return date(year, month, day.day)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def same_day_in_year(day: date, year: int) -> date:
    """The date's month and day in another year; 29 February falls on the 28th otherwise."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def next_yearly(day: date, today: date, first_year: int) -> date:
    """The next occurrence of `day`'s month and day on or after today, from `first_year` on."""
    year = max(today.year, first_year)
    candidate = same_day_in_year(day, year)
    if candidate < today:
        candidate = same_day_in_year(day, year + 1)
    return candidate


def car_reminder(
    car: VehicleFacts,
    kind: Kind,
    *,
    key: str,
    due_on: date,
    status: Status,
    words: Callable[[], tuple[str, str, str]],
    asks_last_service: bool = False,
    lapsed: bool = False,
) -> Reminder:
    """A reminder about one of the owner's cars."""
    return Reminder(
        key, kind, car.owner_id, car.id, due_on, status, words, asks_last_service, lapsed
    )


def service_reminder(car: VehicleFacts, today: date, settings: Settings, rate: float, known):
    """The next routine service, by time or by miles, whichever comes first.

    Without a service on file it is timed from the purchase (or the first reading) but asks
    the owner when the car was last serviced instead of saying it is due.
    """
    base_miles_estimated = False
    if car.last_service is not None:
        base_on, base_miles = car.last_service
        since = "its last service"
        if base_miles is None:
            base_miles = estimated_miles(known, base_on, rate)
            base_miles_estimated = base_miles is not None
    elif car.purchase_date is not None:
        base_on, base_miles = car.purchase_date, car.purchase_odometer
        since = "you bought it"
    elif car.first_reading is not None:
        base_on, base_miles = car.first_reading
        since = "its first odometer reading"
    else:
        return None
    months, interval_miles = settings.service_interval_months, settings.service_interval_miles
    by_time = add_months(base_on, months)
    by_miles = None
    if base_miles is not None:
        by_miles = day_reaching(known, base_miles + interval_miles, rate)
        by_miles = max(by_miles, base_on) if by_miles else None
    due_on = min(d for d in (by_time, by_miles) if d is not None)
    status = status_for(due_on, today, settings.due_soon_days)
    by_miles_first = by_miles is not None and due_on == by_miles and by_miles < by_time
    asks = car.last_service is None
    lapsed = not asks and today > add_months(due_on, months)

    def words() -> tuple[str, str, str]:
        if asks:
            return (
                "When was its last service?",
                wording.unknown_history_why(
                    since=since,
                    base_on=base_on,
                    due_on=due_on,
                    today=today,
                    months=months,
                    by_miles=by_miles_first,
                ),
                "Tell us the date and the miles of its last service (a rough date is fine), "
                "or ask us for a visit and we'll take it from there.",
            )
        if lapsed:
            return (
                "A while since its last service",
                wording.lapsed_why(last_on=base_on, due_on=due_on, today=today, months=months),
                "If it has been serviced elsewhere since, tell us when so its history stays "
                "complete; if not, we'd be glad to see it again whenever suits you.",
            )
        why = wording.service_why(
            since=since,
            base_on=base_on,
            base_miles=base_miles,
            base_miles_estimated=base_miles_estimated,
            due_on=due_on,
            today=today,
            months=months,
            miles=interval_miles,
            by_miles=by_miles_first,
            rate=rate,
            measured=measured_rate(car) is not None,
        )
        return (
            "Service overdue" if status == Status.OVERDUE else "Service due",
            why,
            "Book a visit with our service team, or tell us if it has already been serviced "
            "elsewhere so we can keep your history complete.",
        )

    return car_reminder(
        car,
        Kind.SERVICE,
        key=f"service:vehicle-{car.id}:{base_on.isoformat()}",
        due_on=due_on,
        status=status,
        words=words,
        asks_last_service=asks,
        lapsed=lapsed,
    )


def _cover_end(known, ends_on, ends_at_miles, rate) -> tuple[date | None, bool]:
    """When cover ends: the earlier of its date and the day the odometer reaches its miles."""
    by_miles = day_reaching(known, ends_at_miles, rate) if ends_at_miles else None
    if by_miles is None:
        return ends_on, False
    if ends_on is None or by_miles < ends_on:
        return by_miles, True
    return ends_on, False


def warranty_reminder(car: VehicleFacts, today: date, settings: Settings, rate: float, known):
    """The factory warranty ending, while it has not yet ended."""
    end, by_miles = _cover_end(known, car.warranty_end_date, car.warranty_miles, rate)
    if end is None or today > end:
        return None
    status = status_for(end, today, settings.warranty_notice_days)
    cycle = f"{car.warranty_end_date or 'none'}~{car.warranty_miles or 'none'}"
    return car_reminder(
        car,
        Kind.WARRANTY,
        key=f"warranty:vehicle-{car.id}:{cycle}",
        due_on=end,
        status=status,
        words=lambda: (
            "Warranty ending",
            wording.cover_why(
                cover="its factory warranty",
                limit_miles=car.warranty_miles if by_miles else None,
                end=end,
                today=today,
                rate=rate,
                measured=measured_rate(car) is not None,
            ),
            "A check-up before then lets us fix anything still covered at no cost to you; "
            "ask us about extending your cover if you'd like to.",
        ),
    )


def protection_reminders(car: VehicleFacts, today: date, settings: Settings, rate: float, known):
    """Each protection product ending, while it has not yet ended."""
    for product in car.products:
        end, by_miles = _cover_end(known, product.ends_on, product.ends_at_miles, rate)
        if end is None or today > end:
            continue
        limit = product.ends_at_miles if by_miles else None
        yield car_reminder(
            car,
            Kind.PROTECTION,
            key=f"protection:vehicle-{car.id}:product-{product.id}",
            due_on=end,
            status=status_for(end, today, settings.warranty_notice_days),
            words=lambda name=product.name, limit=limit, end=end: (
                f"{name} ending",
                wording.cover_why(
                    cover=f"your {name}",
                    limit_miles=limit,
                    end=end,
                    today=today,
                    rate=rate,
                    measured=measured_rate(car) is not None,
                ),
                "If you'd like to keep the cover, we can talk you through renewing it.",
            ),
        )


def anniversary_reminder(car: VehicleFacts, today: date, settings: Settings):
    """The car's next purchase anniversary (one year or more)."""
    if car.purchase_date is None or car.purchase_date > today:
        return None
    due_on = next_yearly(car.purchase_date, today, car.purchase_date.year + 1)
    years = due_on.year - car.purchase_date.year
    status = status_for(due_on, today, settings.anniversary_notice_days)
    return car_reminder(
        car,
        Kind.ANNIVERSARY,
        key=f"anniversary:vehicle-{car.id}:{due_on.year}",
        due_on=due_on,
        status=status,
        words=lambda: (
            f"{years} year{'s' if years != 1 else ''} together",
            wording.anniversary_why(
                years=years, bought_on=car.purchase_date, due_on=due_on, today=today
            ),
            "Nothing to do: we just wanted to mark the day with you.",
        ),
    )


def birthday_reminder(owner: OwnerFacts, today: date, settings: Settings):
    """The owner's next birthday, only when they asked for birthday messages."""
    if owner.birthday is None or not owner.birthday_messages:
        return None
    due_on = next_yearly(owner.birthday, today, today.year)
    return Reminder(
        key=f"birthday:owner-{owner.id}:{due_on.year}",
        kind=Kind.BIRTHDAY,
        owner_id=owner.id,
        vehicle_id=None,
        due_on=due_on,
        status=status_for(due_on, today, settings.birthday_notice_days),
        words=lambda: (
            "Your birthday",
            wording.birthday_why(due_on, today),
            "Nothing to do but enjoy it. Coffee's on us if you pass by.",
        ),
    )
