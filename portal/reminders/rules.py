"""The reminder rules: pure functions from one car's (or owner's) facts and a date to reminders.

Every date here is a calendar date in the dealership's time zone; nothing counts hours, so
a daylight-saving switch cannot move a due date or a status.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

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


@dataclass(frozen=True)
class Product:
    """A protection product's end, by date and/or mileage."""

    id: int
    name: str
    ends_on: date | None
    ends_at_miles: int | None


@dataclass
class VehicleFacts:
    """What the rules need to know about one car."""

    id: int
    owner_id: int
    vin: str
    label: str
    make: str
    model: str
    year: int
    purchase_date: date | None = None
    purchase_odometer: int | None = None
    warranty_end_date: date | None = None
    warranty_miles: int | None = None
    #: The local date the car left the garage (sold or transferred), if it did.
    retired_on: date | None = None
    #: Earliest and latest known (date, miles) among odometer readings and service records.
    first_reading: tuple[date, int] | None = None
    last_reading: tuple[date, int] | None = None
    #: The latest service visit: (date, miles or None).
    last_service: tuple[date, int | None] | None = None
    #: Upper-cased recall codes that a service record has closed.
    closed_recalls: frozenset[str] = frozenset()
    products: list[Product] = field(default_factory=list)


@dataclass(frozen=True)
class OwnerFacts:
    """What the birthday rule needs about one owner."""

    id: int
    first_name: str
    birthday: date | None
    birthday_messages: bool


@dataclass(frozen=True)
class SeasonalRule:
    """An admin's seasonal campaign: a yearly window (month, day) to (month, day)."""

    id: int
    name: str
    advice: str
    start: tuple[int, int]
    end: tuple[int, int]
    make: str | None = None


@dataclass(frozen=True)
class RecallRule:
    """An admin's recall campaign and which cars it covers."""

    id: int
    code: str
    title: str
    remedy: str
    make: str
    model: str
    year_from: int
    year_to: int
    issued_on: date


@dataclass(frozen=True)
class Reminder:
    """One thing an owner should know about, with the words to say it."""

    key: str
    kind: Kind
    owner_id: int
    vehicle_id: int | None
    due_on: date
    status: Status
    #: A short headline: "Service due".
    what: str
    #: Why we mention it now.
    why_now: str
    #: What the owner can do next.
    what_to_do: str

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


def driving_rate(car: VehicleFacts, default: float) -> float:
    """Miles a day from the known readings, or the default when they say too little."""
    points = [p for p in (car.first_reading, car.last_reading) if p is not None]
    if car.purchase_date is not None and car.purchase_odometer is not None:
        points.append((car.purchase_date, car.purchase_odometer))
    if len(points) < 2:
        return default
    earliest, latest = min(points), max(points)
    days = (latest[0] - earliest[0]).days
    miles = latest[1] - earliest[1]
    if days >= MIN_RATE_SPAN_DAYS and miles > 0:
        return miles / days
    return default


def latest_known_miles(car: VehicleFacts) -> tuple[date, int] | None:
    """The most recent (date, miles) we know, purchase included."""
    points = [p for p in (car.last_reading,) if p is not None]
    if car.purchase_date is not None and car.purchase_odometer is not None:
        points.append((car.purchase_date, car.purchase_odometer))
    return max(points) if points else None


def estimated_miles(car: VehicleFacts, on: date, rate: float) -> int | None:
    """The odometer on a date, projected from the latest reading at the driving rate."""
    known = latest_known_miles(car)
    if known is None:
        return None
    return round(known[1] + rate * (on - known[0]).days)


def day_reaching(car: VehicleFacts, target_miles: int, rate: float) -> date | None:
    """The day the projected odometer reaches `target_miles` (in the past if already passed)."""
    known = latest_known_miles(car)
    if known is None:
        return None
    on, miles = known
    if target_miles >= miles:
        return on + timedelta(days=math.ceil((target_miles - miles) / rate))
    return on - timedelta(days=math.floor((miles - target_miles) / rate))


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


def _when(due_on: date, today: date) -> str:
    """'today', 'in 12 days', '5 days ago', in plain words."""
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if days > 0:
        return f"in {days} days"
    return f"{-days} days ago"


def _date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def service_reminder(car: VehicleFacts, today: date, settings: Settings, rate: float):
    """The next routine service, by time or by miles, whichever comes first."""
    if car.last_service is not None:
        base_on, base_miles = car.last_service
        since = "your last service"
        if base_miles is None:
            base_miles = estimated_miles(car, base_on, rate)
    elif car.purchase_date is not None:
        base_on, base_miles = car.purchase_date, car.purchase_odometer
        since = "you bought it"
    elif car.first_reading is not None:
        base_on, base_miles = car.first_reading
        since = "your first odometer reading"
    else:
        return None
    by_time = base_on + relativedelta(months=settings.service_interval_months)
    by_miles = None
    if base_miles is not None:
        by_miles = day_reaching(car, base_miles + settings.service_interval_miles, rate)
        by_miles = max(by_miles, base_on) if by_miles else None
    due_on = min(d for d in (by_time, by_miles) if d is not None)
    status = status_for(due_on, today, settings.due_soon_days)
    if by_miles is not None and due_on == by_miles and by_miles < by_time:
        reason = (
            f"At about {rate:.0f} miles a day it will have covered "
            f"{settings.service_interval_miles:,} miles since {since} around {_date(due_on)}"
        )
    else:
        reason = (
            f"It will be {settings.service_interval_months} months since {since} on {_date(due_on)}"
        )
    what = "Service overdue" if status == Status.OVERDUE else "Service due"
    why = f"{reason} ({_when(due_on, today)})."
    todo = (
        "Book a visit with our service team, or tell us if it has already been serviced "
        "elsewhere so we can keep your history complete."
    )
    return Reminder(
        key=f"service:vehicle-{car.id}:{base_on.isoformat()}",
        kind=Kind.SERVICE,
        owner_id=car.owner_id,
        vehicle_id=car.id,
        due_on=due_on,
        status=status,
        what=what,
        why_now=why,
        what_to_do=todo,
    )


def _cover_end(car, ends_on, ends_at_miles, rate) -> tuple[date | None, bool]:
    """When cover ends: the earlier of its date and the day the odometer reaches its miles."""
    by_miles = day_reaching(car, ends_at_miles, rate) if ends_at_miles else None
    candidates = [d for d in (ends_on, by_miles) if d is not None]
    if not candidates:
        return None, False
    end = min(candidates)
    return end, by_miles is not None and end == by_miles and (ends_on is None or by_miles < ends_on)


def warranty_reminder(car: VehicleFacts, today: date, settings: Settings, rate: float):
    """The factory warranty ending, while it has not yet ended."""
    end, by_miles = _cover_end(car, car.warranty_end_date, car.warranty_miles, rate)
    if end is None or today > end:
        return None
    status = status_for(end, today, settings.warranty_notice_days)
    limit = (
        f"the car should reach its {car.warranty_miles:,}-mile limit"
        if by_miles
        else "the warranty ends"
    )
    cycle = f"{car.warranty_end_date or 'none'}~{car.warranty_miles or 'none'}"
    return Reminder(
        key=f"warranty:vehicle-{car.id}:{cycle}",
        kind=Kind.WARRANTY,
        owner_id=car.owner_id,
        vehicle_id=car.id,
        due_on=end,
        status=status,
        what="Warranty ending",
        why_now=f"Around {_date(end)} ({_when(end, today)}) {limit}.",
        what_to_do=(
            "A check-up before then lets us fix anything still covered at no cost to you; "
            "ask us about extending your cover if you'd like to."
        ),
    )


def protection_reminders(car: VehicleFacts, today: date, settings: Settings, rate: float):
    """Each protection product ending, while it has not yet ended."""
    for product in car.products:
        end, by_miles = _cover_end(car, product.ends_on, product.ends_at_miles, rate)
        if end is None or today > end:
            continue
        limit = f"reaches its {product.ends_at_miles:,}-mile limit" if by_miles else "ends"
        yield Reminder(
            key=f"protection:vehicle-{car.id}:product-{product.id}",
            kind=Kind.PROTECTION,
            owner_id=car.owner_id,
            vehicle_id=car.id,
            due_on=end,
            status=status_for(end, today, settings.warranty_notice_days),
            what=f"{product.name} ending",
            why_now=f"Your {product.name} {limit} around {_date(end)} ({_when(end, today)}).",
            what_to_do="If you'd like to keep the cover, we can talk you through renewing it.",
        )


def anniversary_reminder(car: VehicleFacts, today: date, settings: Settings):
    """The car's next purchase anniversary (one year or more)."""
    if car.purchase_date is None or car.purchase_date > today:
        return None
    due_on = next_yearly(car.purchase_date, today, car.purchase_date.year + 1)
    years = due_on.year - car.purchase_date.year
    status = status_for(due_on, today, settings.anniversary_notice_days)
    return Reminder(
        key=f"anniversary:vehicle-{car.id}:{due_on.year}",
        kind=Kind.ANNIVERSARY,
        owner_id=car.owner_id,
        vehicle_id=car.id,
        due_on=due_on,
        status=status,
        what=f"{years} year{'s' if years != 1 else ''} together",
        why_now=f"On {_date(due_on)} ({_when(due_on, today)}) it will be "
        f"{years} year{'s' if years != 1 else ''} since you drove it home.",
        what_to_do="Nothing to do: we just wanted to mark the day with you.",
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
        what="Your birthday",
        why_now=f"Your birthday is {_when(due_on, today)}, on {_date(due_on)}.",
        what_to_do="Nothing to do but enjoy it. Coffee's on us if you pass by.",
    )


def season_window(rule: SeasonalRule, today: date) -> tuple[date, date] | None:
    """The (first, last) day of the campaign window containing today, if today is inside one."""
    for start_year in (today.year - 1, today.year):
        first = same_day_in_year(date(2000, *rule.start), start_year)
        end_year = start_year if rule.end >= rule.start else start_year + 1
        last = same_day_in_year(date(2000, *rule.end), end_year)
        if first <= today <= last:
            return first, last
    return None


def seasonal_reminders(car: VehicleFacts, today: date, rules: Iterable[SeasonalRule]):
    """A due_soon reminder for every campaign whose window contains today and fits the car."""
    for rule in rules:
        if rule.make and rule.make.casefold() != car.make.casefold():
            continue
        window = season_window(rule, today)
        if window is None:
            continue
        first, last = window
        yield Reminder(
            key=f"seasonal:campaign-{rule.id}:vehicle-{car.id}:{first.year}",
            kind=Kind.SEASONAL,
            owner_id=car.owner_id,
            vehicle_id=car.id,
            due_on=last,
            status=Status.DUE_SOON,
            what=rule.name,
            why_now=f"It's the season: our {rule.name.lower()} offer runs until {_date(last)}.",
            what_to_do=rule.advice or "Request a visit and we'll take care of it.",
        )


def recall_matches(rule: RecallRule, make: str, model: str, year: int) -> bool:
    """Whether a recall covers a car: same make and model (any case), year in range."""
    return (
        rule.make.casefold() == make.casefold()
        and rule.model.casefold() == model.casefold()
        and rule.year_from <= year <= rule.year_to
    )


def recall_reminders(car: VehicleFacts, today: date, rules: Iterable[RecallRule]):
    """An overdue reminder for every open recall covering the car."""
    for rule in rules:
        if rule.issued_on > today or rule.code.upper() in car.closed_recalls:
            continue
        if not recall_matches(rule, car.make, car.model, car.year):
            continue
        yield Reminder(
            key=f"recall:{rule.code.upper()}:vehicle-{car.id}",
            kind=Kind.RECALL,
            owner_id=car.owner_id,
            vehicle_id=car.id,
            due_on=rule.issued_on,
            status=Status.OVERDUE,
            what=f"Recall {rule.code.upper()}: {rule.title}",
            why_now=(
                f"The manufacturer issued this recall on {_date(rule.issued_on)} for "
                f"{rule.year_from}–{rule.year_to} {rule.make} {rule.model} cars, and yours is one."
            ),
            what_to_do=(rule.remedy or "The work is free of charge.")
            + " Request a visit and we'll arrange a time that suits you.",
        )


def vehicle_reminders(
    car: VehicleFacts,
    today: date,
    settings: Settings,
    seasonal: Iterable[SeasonalRule] = (),
    recalls: Iterable[RecallRule] = (),
) -> list[Reminder]:
    """Every reminder for one car on `today`; none once it has been sold or transferred."""
    if car.retired_on is not None and car.retired_on <= today:
        return []
    rate = driving_rate(car, settings.default_miles_per_day)
    found = [
        service_reminder(car, today, settings, rate),
        warranty_reminder(car, today, settings, rate),
        anniversary_reminder(car, today, settings),
        *protection_reminders(car, today, settings, rate),
        *seasonal_reminders(car, today, seasonal),
        *recall_reminders(car, today, recalls),
    ]
    return [reminder for reminder in found if reminder is not None]
